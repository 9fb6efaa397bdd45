import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { NextFunction, Request, Response, Router } from "express";
import type { QueueContext } from "../queue/context.js";
import { DEAD_LETTER_QUEUE } from "../queue/names.js";
import { principalOf } from "./auth.js";
import { QUEUES_PATH } from "./read-model.js";
import { redactDeep } from "./redact.js";

/**
 * bull-board for the raw queues at /queues. The dead-letter queue is read-only there: its entries are
 * replayed or purged through the project's own actions, which know a dead letter is a person, not a job.
 * Viewers get a board of their own where every queue is read-only (no buttons they cannot use); any
 * write that reaches bull-board from them still answers 403.
 */
export const MISC_LINKS = [
  { text: "Channels", url: "/" },
  { text: "Runs", url: "/runs" },
  { text: "Dead letters", url: "/dead-letters" },
  { text: "Users", url: "/users" },
  { text: "Targets", url: "/targets" },
];

/** One board per role at the same path: operators' and viewers' (read-only). */
export function bullBoardRouter(ctx: QueueContext): (req: Request, res: Response, next: NextFunction) => void {
  const boards = { operator: board(ctx, false), viewer: board(ctx, true) };
  return (req, res, next) => boards[principalOf(res).role === "operator" ? "operator" : "viewer"](req, res, next);
}

function board(ctx: QueueContext, readOnly: boolean): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  const adapters = ctx.allQueues().map((queue) => {
    const dead = queue.name === DEAD_LETTER_QUEUE;
    const adapter = new BullMQAdapter(queue, {
      readOnlyMode: readOnly || dead,
      allowRetries: !readOnly && !dead,
      description: dead ? "dead letters: replay or purge them from the Dead letters page" : "",
    });
    adapter.setFormatter("data", (data: unknown) => redactDeep(data));
    adapter.setFormatter("returnValue", (value: unknown) => redactDeep(value));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: { uiConfig: { boardTitle: "provisioner", miscLinks: MISC_LINKS, hideDocsLink: true } },
  });
  const router = serverAdapter.getRouter() as Router & { disable?: (setting: string) => void };
  // bull-board mounts its own express app, which would announce itself on every response.
  router.disable?.("x-powered-by");
  return router;
}

/** bull-board's writes are PUT / PATCH / POST under /queues/api: operators only. */
export function bullBoardWritesNeedOperator(req: Request, res: Response, next: NextFunction): void {
  if (req.method === "GET" || req.method === "HEAD" || principalOf(res).role === "operator") {
    next();
    return;
  }
  res.status(403).json({ error: "changing queues needs the operator role" });
}

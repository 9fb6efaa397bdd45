import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { QueueContext } from "../queue/context.js";
import { ActionError, type DashboardActions, parseBody, purgeBody, replayBody, syncBody } from "./actions.js";
import { principalOf, requireOperator } from "./auth.js";
import { requireJsonBody } from "./csrf.js";
import { channelsOverview, deadLetters, runDetail, runsOf, targetsOverview, usersMatching } from "./read-model.js";
import type { UserLookup } from "./user-lookup.js";

/**
 * The JSON API under /api: the same data as the pages and the same actions as their buttons. Reads need
 * the viewer role, POSTs the operator role and `Content-Type: application/json` (see csrf.ts). Errors are
 * `{ "error": "..." }` with a 4xx status that names the field or the unknown name.
 */
function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

type Handler = (req: Request, res: Response) => Promise<void>;

export function apiRouter(deps: { ctx: QueueContext; actions: DashboardActions; users: UserLookup }): Router {
  const { ctx, actions, users } = deps;
  const router = Router();
  const wrap =
    (fn: Handler) =>
    (req: Request, res: Response, next: NextFunction): void => {
      fn(req, res).catch(next);
    };

  router.use(requireJsonBody);
  router.use(express.json({ limit: "5mb", strict: true }));

  router.get(
    "/channels",
    wrap(async (_req, res) => {
      res.json({ channels: await channelsOverview(ctx) });
    }),
  );
  router.get(
    "/runs",
    wrap(async (req, res) => {
      const channel = queryString(req, "channel");
      if (channel && !ctx.config.channels[channel]) throw new ActionError(404, `unknown channel "${channel}"`);
      const limit = Math.min(Math.max(Number(queryString(req, "limit") ?? 50) || 50, 1), 500);
      res.json({ runs: await runsOf(ctx, channel, limit) });
    }),
  );
  router.get(
    "/runs/:id",
    wrap(async (req, res) => {
      const detail = await runDetail(ctx, String(req.params.id));
      if (!detail) throw new ActionError(404, `unknown run "${req.params.id}"`);
      res.json(detail);
    }),
  );
  router.get(
    "/dead-letters",
    wrap(async (req, res) => {
      const list = await deadLetters(ctx, {
        ...(queryString(req, "channel") ? { channel: queryString(req, "channel") } : {}),
        ...(queryString(req, "reason") ? { reason: queryString(req, "reason") } : {}),
      });
      res.json({ deadLetters: list, total: list.length });
    }),
  );
  router.get(
    "/users",
    wrap(async (req, res) => {
      const q = queryString(req, "q");
      if (!q) throw new ActionError(400, "q: give an IAM user name or a source id");
      res.json({ query: q, users: await usersMatching(ctx, users, q) });
    }),
  );
  router.get(
    "/targets",
    wrap(async (_req, res) => {
      res.json({ targets: await targetsOverview(ctx) });
    }),
  );

  router.post(
    "/channels/:name/sync",
    requireOperator,
    wrap(async (req, res) => {
      const body = parseBody(syncBody, req.body);
      const r = await actions.sync(principalOf(res), String(req.params.name), body, "api");
      res.status(r.created ? 202 : 200).json(r);
    }),
  );
  router.post(
    "/channels/:name/replay",
    requireOperator,
    wrap(async (req, res) => {
      const body = parseBody(replayBody, req.body);
      const r = await actions.replay(principalOf(res), String(req.params.name), body, "api");
      res.status(r.created ? 202 : 200).json(r);
    }),
  );
  router.post(
    "/runs/:id/approve",
    requireOperator,
    wrap(async (req, res) => {
      const r = await actions.approve(principalOf(res), String(req.params.id), "api");
      res.status(202).json(r);
    }),
  );
  router.post(
    "/targets/:name/resume",
    requireOperator,
    wrap(async (req, res) => {
      const name = String(req.params.name);
      await actions.resume(principalOf(res), name);
      res.json({ target: name, health: await ctx.health.get(name) });
    }),
  );
  router.post(
    "/dead-letters/purge",
    requireOperator,
    wrap(async (req, res) => {
      const body = parseBody(purgeBody, req.body);
      res.json({ purged: await actions.purge(principalOf(res), body) });
    }),
  );

  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "no such API route" });
  });
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof ActionError) {
      res.status(err.status).json({ error: err.message, ...err.extra });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === "entity.parse.failed") {
      res.status(400).json({ error: "body is not valid JSON" });
      return;
    }
    if (e.type === "entity.too.large") {
      res.status(413).json({ error: "body too large" });
      return;
    }
    // Anything else (Redis down, a bug) is the app's error handler's business: one answer for pages and API.
    next(err);
  });
  return router;
}

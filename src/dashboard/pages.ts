import { type NextFunction, type Request, type Response, Router } from "express";
import type { QueueContext } from "../queue/context.js";
import { DEAD_LETTER_QUEUE } from "../queue/names.js";
import { principalOf } from "./auth.js";
import type { CsrfTokens } from "./csrf.js";
import type { Html } from "./html.js";
import { channelsPage, runsPage } from "./pages/channels.js";
import { deadLetterPage, deadLettersPage } from "./pages/dead-letters.js";
import { errorPage, type PageContext } from "./pages/layout.js";
import { runPage } from "./pages/run.js";
import { targetsPage } from "./pages/targets.js";
import { usersPage } from "./pages/users.js";
import {
  channelsOverview,
  deadLetters,
  jobUrl,
  runDetail,
  runsOf,
  targetsOverview,
  usersMatching,
} from "./read-model.js";
import { nonceOf } from "./security-headers.js";
import type { UserLookup } from "./user-lookup.js";

/**
 * The project's own server-rendered pages (GET only; their buttons post to forms.ts). Notices after an
 * action come as a fixed code in the query string, never as free text, so a link cannot put words in the
 * dashboard's mouth.
 */
const NOTICES: Record<string, (n: string) => string> = {
  replayed: (n) => `Replay started for ${n} user(s).`,
  purged: (n) => `Purged ${n} dead letter(s).`,
  resumed: (n) => `Target ${n} resumed.`,
  pending: () => "A run of this channel was already pending or running; it was not started again.",
  nothing: () => "Nothing to replay.",
};

export function pageContext(req: Request, res: Response, csrf: CsrfTokens): PageContext {
  const p = principalOf(res);
  const code = typeof req.query.notice === "string" ? req.query.notice : "";
  const n = typeof req.query.n === "string" ? req.query.n.replace(/[^\w.-]/g, "").slice(0, 64) : "";
  const notice = NOTICES[code]?.(n);
  return {
    user: p.name,
    canOperate: p.role === "operator",
    csrfToken: csrf.tokenFor(p),
    nonce: nonceOf(res),
    ...(notice ? { notice } : {}),
  };
}

export function sendPage(res: Response, page: Html, status = 200): void {
  res.status(status).type("html").send(page.value);
}

function q(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

export function pagesRouter(deps: { ctx: QueueContext; csrf: CsrfTokens; users: UserLookup }): Router {
  const { ctx, csrf, users } = deps;
  const router = Router();
  const channelNames = () => Object.keys(ctx.config.channels);
  const get = (path: string, fn: (req: Request, res: Response, page: PageContext) => Promise<void>) =>
    router.get(path, (req: Request, res: Response, next: NextFunction) => {
      fn(req, res, pageContext(req, res, csrf)).catch(next);
    });

  get("/", async (_req, res, page) => {
    sendPage(res, channelsPage(page, await channelsOverview(ctx)));
  });
  get("/runs", async (req, res, page) => {
    const channel = q(req, "channel");
    sendPage(
      res,
      runsPage(
        page,
        await runsOf(ctx, channel && ctx.config.channels[channel] ? channel : undefined),
        channelNames(),
        channel,
      ),
    );
  });
  get("/runs/:id", async (req, res, page) => {
    const detail = await runDetail(ctx, String(req.params.id));
    if (!detail)
      return sendPage(res, errorPage(page, 404, `No run "${req.params.id}" (runs are kept 90 days).`, "/runs"), 404);
    sendPage(res, runPage(page, detail));
  });
  get("/dead-letters", async (req, res, page) => {
    const filter = {
      ...(q(req, "channel") ? { channel: q(req, "channel") } : {}),
      ...(q(req, "reason") ? { reason: q(req, "reason") } : {}),
    };
    sendPage(res, deadLettersPage(page, await deadLetters(ctx, filter), filter, channelNames()));
  });
  get("/dead-letters/:id", async (req, res, page) => {
    const id = String(req.params.id);
    const d = (await ctx.deadLetters.list()).find((x) => x.jobId === id);
    if (!d)
      return sendPage(
        res,
        errorPage(page, 404, "This dead letter is gone: replayed successfully or purged.", "/dead-letters"),
        404,
      );
    sendPage(
      res,
      deadLetterPage(page, { ...d, url: jobUrl(DEAD_LETTER_QUEUE, d.jobId) }, Boolean(ctx.config.channels[d.channel])),
    );
  });
  get("/users", async (req, res, page) => {
    const query = (q(req, "q") ?? "").trim();
    sendPage(res, usersPage(page, query, query ? await usersMatching(ctx, users, query) : []));
  });
  get("/targets", async (_req, res, page) => {
    sendPage(res, targetsPage(page, await targetsOverview(ctx)));
  });
  return router;
}

import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { Logger } from "pino";
import { ActionError, type DashboardActions } from "./actions.js";
import { principalOf, requireOperator } from "./auth.js";
import { type CsrfTokens, requireCsrfToken } from "./csrf.js";
import { errorPage } from "./pages/layout.js";
import { pageContext, sendPage } from "./pages.js";

/**
 * The pages' buttons: urlencoded form POSTs that need the operator role and the CSRF token, then redirect
 * (POST/redirect/GET) to the page that shows the result.
 */
type Body = Record<string, string | string[] | undefined>;

function many(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean);
}

const flag = (v: unknown) => v === "1" || v === "true" || v === "on";

export function formsRouter(deps: { csrf: CsrfTokens; actions: DashboardActions; logger: Logger }): Router {
  const { csrf, actions, logger } = deps;
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: "1mb", parameterLimit: 20_000 }));
  const post = (path: string, fn: (req: Request, res: Response, body: Body) => Promise<void>) =>
    router.post(path, requireOperator, requireCsrfToken(csrf), (req: Request, res: Response, next: NextFunction) => {
      fn(req, res, (req.body ?? {}) as Body).catch(next);
    });

  post("/channels/:name/sync", async (req, res, body) => {
    const r = await actions.sync(
      principalOf(res),
      String(req.params.name),
      { full: flag(body.full), allowDeletions: flag(body.allowDeletions) },
      "dashboard",
    );
    res.redirect(303, `/runs/${encodeURIComponent(r.runId)}${r.created ? "" : "?notice=pending"}`);
  });

  post("/channels/:name/replay", async (req, res, body) => {
    const sourceIds = many(body.sourceIds);
    const r = await actions.replay(
      principalOf(res),
      String(req.params.name),
      sourceIds.length > 0 ? { sourceIds } : { failed: true },
      "dashboard",
    );
    res.redirect(
      303,
      r.runId ? `/runs/${encodeURIComponent(r.runId)}?notice=replayed&n=${r.sourceIds.length}` : "/?notice=nothing",
    );
  });

  post("/runs/:id/approve", async (req, res) => {
    const r = await actions.approve(principalOf(res), String(req.params.id), "dashboard");
    res.redirect(303, `/runs/${encodeURIComponent(r.runId)}${r.created ? "" : "?notice=pending"}`);
  });

  post("/targets/:name/resume", async (req, res) => {
    const name = String(req.params.name);
    await actions.resume(principalOf(res), name);
    res.redirect(303, `/targets?notice=resumed&n=${encodeURIComponent(name)}`);
  });

  /** `one` (a row's button) wins over the checked `ids`; `all` takes every entry of the filtered channel. */
  const selection = (body: Body) => {
    const one = many(body.one);
    const ids = one.length > 0 ? one : many(body.ids);
    const channel = typeof body.channel === "string" && body.channel ? body.channel : undefined;
    if (ids.length === 0 && !flag(body.all)) throw new ActionError(400, "select at least one dead letter");
    return { ids: ids.length > 0 ? ids : undefined, channel };
  };

  post("/dead-letters/replay", async (_req, res, body) => {
    const sel = selection(body);
    const runs = await actions.replayDeadLetters(
      principalOf(res),
      { ...(sel.ids ? { ids: sel.ids } : {}), ...(sel.channel ? { channel: sel.channel } : {}) },
      "dashboard",
    );
    const users = runs.reduce((s, r) => s + r.sourceIds.length, 0);
    const only = runs.length === 1 ? runs[0] : undefined;
    res.redirect(
      303,
      only
        ? `/runs/${encodeURIComponent(only.runId)}?notice=replayed&n=${users}`
        : `/dead-letters?notice=${users > 0 ? "replayed" : "nothing"}&n=${users}`,
    );
  });

  post("/dead-letters/purge", async (_req, res, body) => {
    const sel = selection(body);
    const purged = await actions.purge(
      principalOf(res),
      sel.ids
        ? { ids: sel.ids, ...(sel.channel ? { channel: sel.channel } : {}) }
        : sel.channel
          ? { channel: sel.channel }
          : { all: true },
    );
    res.redirect(303, `/dead-letters?notice=purged&n=${purged}`);
  });

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof ActionError)) {
      next(err);
      return;
    }
    logger.warn(
      { user: principalOf(res).name, path: req.path, status: err.status, error: err.message },
      "dashboard action refused",
    );
    const back = req.path.startsWith("/dead-letters")
      ? "/dead-letters"
      : req.path.startsWith("/targets")
        ? "/targets"
        : "/";
    sendPage(res, errorPage(pageContext(req, res, csrf), err.status, err.message, back), err.status);
  });
  return router;
}

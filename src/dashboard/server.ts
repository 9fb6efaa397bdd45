import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { silentLogger } from "../log/logger.js";
import { waitReady } from "../queue/connection.js";
import type { QueueContext } from "../queue/context.js";
import { DashboardActions } from "./actions.js";
import { apiRouter } from "./api.js";
import { authMiddleware, authSettings, wantsJson } from "./auth.js";
import { bullBoardRouter, bullBoardWritesNeedOperator } from "./bull-board.js";
import { CsrfTokens, sameOriginOnly } from "./csrf.js";
import { formsRouter } from "./forms.js";
import { healthRouter } from "./health.js";
import { DashboardMetrics } from "./metrics.js";
import { errorPage } from "./pages/layout.js";
import { pageContext, pagesRouter, sendPage } from "./pages.js";
import { QUEUES_PATH } from "./read-model.js";
import { securityHeaders } from "./security-headers.js";
import { stateStoreLookup } from "./state-lookup.js";
import type { UserLookup } from "./user-lookup.js";

/**
 * The dashboard: one HTTP server with bull-board at /queues, the project's pages, the JSON API under /api,
 * /metrics, /healthz and /readyz. `provisioner dashboard` and `provisioner start` both call startDashboard.
 */
export interface DashboardOptions {
  /** @defaultValue config.dashboard.host */
  host?: string;
  /** 0 picks a free port. @defaultValue config.dashboard.port */
  port?: number;
  logger?: Logger;
  /** How /users finds a person; defaults to the state store, falling back to audit history. */
  userLookup?: UserLookup;
  /** Key of the CSRF tokens; random per process unless given (give one to several replicas behind a balancer). */
  csrfSecret?: Buffer;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

export function createDashboardApp(ctx: QueueContext, opts: DashboardOptions & { host: string }): express.Express {
  const logger = opts.logger ?? silentLogger;
  const settings = authSettings(opts.host, ctx.config.dashboard);
  const csrf = new CsrfTokens(opts.csrfSecret ?? randomBytes(32));
  const users = opts.userLookup ?? stateStoreLookup(ctx);
  const actions = new DashboardActions(ctx, logger);
  const metrics = new DashboardMetrics(ctx);

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(securityHeaders);
  app.use(healthRouter(ctx));
  // Browsers ask for it on every page; without it each page load logs a 404 (and a 401 before sign-in).
  app.get("/favicon.ico", (_req: Request, res: Response) => {
    res.status(204).end();
  });
  app.use(authMiddleware(settings));
  app.use(sameOriginOnly);
  app.get("/metrics", async (_req: Request, res: Response) => {
    res.type(metrics.contentType).send(await metrics.scrape());
  });
  app.use(redisReady(ctx));
  app.use(QUEUES_PATH, bullBoardWritesNeedOperator, bullBoardRouter(ctx));
  app.use("/api", apiRouter({ ctx, actions, users }));
  app.use(formsRouter({ csrf, actions, logger }));
  app.use(pagesRouter({ ctx, csrf, users }));

  app.use((req: Request, res: Response) => {
    if (wantsJson(req)) res.status(404).json({ error: "not found" });
    else sendPage(res, errorPage(pageContext(req, res, csrf), 404, `Nothing at ${req.path}.`), 404);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    const status = (err as { status?: number }).status;
    const redisDown = ctx.redis.status !== "ready";
    const code = status && status >= 400 && status < 500 ? status : redisDown ? 503 : 500;
    if (code >= 500) logger.error({ err, path: req.path }, "dashboard request failed");
    const message =
      code === 503
        ? "Redis is unreachable: the dashboard shows nothing until it is back (see /readyz)"
        : code === 500
          ? "internal error (see the dashboard's log)"
          : ((err as Error).message ?? "bad request");
    if (wantsJson(req)) res.status(code).json({ error: message });
    else res.status(code).type("text/plain").send(message);
  });
  return app;
}

/**
 * BullMQ waits seconds for a lost connection before failing a call; while Redis is down every page would
 * hang that long. Answer 503 at once instead (allowing a second for a connection that is just coming up).
 */
function redisReady(ctx: QueueContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (ctx.redis.status === "ready") {
      next();
      return;
    }
    waitReady(ctx.redis, 1_000).then(
      () => next(),
      () => {
        const error = "Redis is unreachable: the dashboard shows nothing until it is back (see /readyz)";
        if (wantsJson(req)) res.status(503).json({ error });
        else res.status(503).type("text/plain").send(error);
      },
    );
  };
}

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

export async function startDashboard(ctx: QueueContext, opts: DashboardOptions = {}): Promise<RunningDashboard> {
  const logger = opts.logger ?? silentLogger;
  const host = opts.host ?? ctx.config.dashboard.host;
  const port = opts.port ?? ctx.config.dashboard.port;
  const app = createDashboardApp(ctx, { ...opts, host, logger });

  // A Queue with no 'error' listener throws on a Redis outage; the dashboard must stay up to report it.
  const onQueueError = (err: Error) => logger.warn({ err: err.message }, "dashboard: queue connection error");
  const queues = ctx.allQueues();
  for (const q of queues) q.on("error", onQueueError);

  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${address.port}`;
  logger.info(
    { url, auth: ctx.config.dashboard.users.length + ctx.config.dashboard.tokens.length > 0 },
    "dashboard listening",
  );
  return {
    url,
    close: async () => {
      for (const q of queues) q.off("error", onQueueError);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

import { type Request, type Response, Router } from "express";
import type { QueueContext } from "../queue/context.js";

/**
 * Probes, answered without credentials so orchestrators can call them: /healthz says the process serves
 * HTTP; /readyz says it can do its job (Redis answers within a second and no target is paused by an auth
 * failure). Bodies name no secrets and no reasons, only target names.
 */
export const READY_TIMEOUT_MS = 1_000;

export async function pingRedis(ctx: QueueContext, timeoutMs = READY_TIMEOUT_MS): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

export function healthRouter(ctx: QueueContext): Router {
  const router = Router();
  router.get("/healthz", (_req: Request, res: Response) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req: Request, res: Response) => {
    const redisProblem = await pingRedis(ctx);
    if (redisProblem) {
      res.status(503).json({ ready: false, redis: "unreachable" });
      return;
    }
    try {
      const health = await ctx.health.all(Object.keys(ctx.config.targets));
      const unhealthy = health.filter((h) => !h.healthy).map((h) => h.target);
      res
        .status(unhealthy.length > 0 ? 503 : 200)
        .json({ ready: unhealthy.length === 0, redis: "ok", unhealthyTargets: unhealthy });
    } catch {
      res.status(503).json({ ready: false, redis: "unreachable" });
    }
  });
  return router;
}

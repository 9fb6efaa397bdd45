import type { Worker } from "bullmq";
import type { Logger } from "pino";
import type { QueueContext } from "../src/queue/context.js";
import { startProvisionWorker } from "./provision.js";
import { Runtime } from "./runtime.js";
import { reconcileSchedulers } from "./scheduler.js";
import { startSnapshotWorker } from "./snapshot.js";

/**
 * Process roles. `start` runs them all; `worker` runs snapshot and provision workers; `scheduler` keeps the
 * job schedulers equal to the configuration. Stopping closes workers gracefully: a job in progress finishes
 * (or, after a SIGKILL, is taken over by another worker once its lock expires), so none is lost.
 */
const RECONCILE_EVERY_MS = 10 * 60_000;

export interface Roles {
  snapshot?: boolean;
  /** True for every target of the configuration, or the targets to serve. */
  provision?: boolean | string[];
  scheduler?: boolean;
}

export interface RunningWorkers {
  runtime: Runtime;
  workers: Worker[];
  close(): Promise<void>;
}

export async function startWorkers(ctx: QueueContext, opts: { roles: Roles; logger: Logger }): Promise<RunningWorkers> {
  const runtime = new Runtime(ctx, opts.logger);
  const workers: Worker[] = [];
  if (opts.roles.snapshot) workers.push(startSnapshotWorker(runtime));
  const targets = opts.roles.provision === true ? Object.keys(ctx.config.targets) : opts.roles.provision || [];
  for (const t of targets) workers.push(startProvisionWorker(runtime, t));
  let timer: NodeJS.Timeout | undefined;
  if (opts.roles.scheduler) {
    const reconcile = () =>
      reconcileSchedulers(ctx, {
        logger: opts.logger,
        verify: async (channel) => {
          try {
            await runtime.target(channel.target).verify();
            await ctx.health.markHealthy(channel.target);
            return undefined;
          } catch (err) {
            const reason = (err as Error).message;
            await ctx.health.markUnhealthy(channel.target, reason);
            return reason;
          }
        },
      });
    await reconcile();
    // Credentials fixed later (or revoked) are noticed without a restart.
    timer = setInterval(() => {
      reconcile().catch((err) => opts.logger.error({ err }, "scheduler reconciliation failed"));
    }, RECONCILE_EVERY_MS);
    timer.unref();
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  opts.logger.info(
    { snapshot: !!opts.roles.snapshot, provision: targets, scheduler: !!opts.roles.scheduler },
    "workers started",
  );
  return {
    runtime,
    workers,
    async close() {
      if (timer) clearInterval(timer);
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(workers.map((w) => w.disconnect().catch(() => {})));
      runtime.close();
    },
  };
}

/** Closes on SIGTERM / SIGINT, once; a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: string) => {
    if (closing) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, "shutting down: finishing jobs in progress");
    close()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      });
  };
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  process.once("SIGINT", () => onSignal("SIGINT"));
}

import type { Command } from "commander";
import { AuthConfigError } from "../dashboard/auth.js";
import { startDashboard } from "../dashboard/server.js";
import { redactUrl } from "../queue/connection.js";
import { QueueContext } from "../queue/context.js";
import { fail, loadForCommand, loggerFor } from "./context.js";

/**
 * `provisioner dashboard [--config FILE] [--host H] [--port N]`: the HTTP dashboard alone (bull-board,
 * pages, API, /metrics, probes), for running it apart from the workers. Stops cleanly on SIGINT / SIGTERM.
 */
export function registerDashboardCommand(program: Command): void {
  program
    .command("dashboard")
    .description("serve the dashboard: queues, channels, runs, dead letters, JSON API, /metrics")
    .option("-c, --config <file>", "configuration file (env PROVISIONER_CONFIG, default ./provisioner.yaml)")
    .option("--host <host>", "address to listen on (default dashboard.host)")
    .option("--port <port>", "port to listen on (default dashboard.port)", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`--port ${v} is not a port number`);
      return n;
    })
    .action(async (opts: { host?: string; port?: number }, cmd: Command) => {
      const loaded = loadForCommand(cmd);
      const logger = loggerFor(loaded, "dashboard");
      const ctx = new QueueContext(loaded.config);
      ctx.redis.on("error", (err: Error) =>
        logger.warn({ err: err.message, redis: redactUrl(loaded.config.redis.url) }, "redis error"),
      );
      let dashboard: Awaited<ReturnType<typeof startDashboard>>;
      try {
        dashboard = await startDashboard(ctx, {
          logger,
          ...(opts.host ? { host: opts.host } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
        });
      } catch (err) {
        await ctx.close().catch(() => {});
        if (err instanceof AuthConfigError) fail(err.message);
        fail(`dashboard did not start: ${(err as Error).message}`);
      }
      console.log(`dashboard at ${dashboard.url}`);
      const stop = async (signal: string) => {
        logger.info({ signal }, "dashboard stopping");
        await dashboard.close();
        await ctx.close().catch(() => {});
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
}

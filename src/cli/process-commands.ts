import type { Command } from "commander";
import { QueueContext } from "../queue/context.js";
import { loadForCommand, loggerFor } from "./context.js";

/**
 * Long-running roles: `start` (scheduler, workers and dashboard in one process), `worker`, `scheduler`.
 * SIGTERM / SIGINT close gracefully: jobs in progress finish, nothing is lost.
 */
async function runRoles(
  cmd: Command,
  roles: { snapshot: boolean; provision: boolean; scheduler: boolean; dashboard: boolean },
  name: string,
) {
  const loaded = loadForCommand(cmd);
  const logger = loggerFor(loaded, name);
  const ctx = new QueueContext(loaded.config, "worker");
  const { startWorkers, closeOnSignals } = await import("../../workers/start.js");
  const running = await startWorkers(ctx, { roles, logger });
  let dashboard: { url: string; close(): Promise<void> } | undefined;
  if (roles.dashboard) {
    const { startDashboard } = await import("../dashboard/server.js");
    dashboard = await startDashboard(ctx, { logger });
  }
  closeOnSignals(async () => {
    await dashboard?.close();
    await running.close();
    await ctx.close();
  }, logger);
}

export function registerProcessCommands(program: Command): void {
  program
    .command("start")
    .description("scheduler, snapshot and provision workers, and the dashboard in one process")
    .action((_f: unknown, cmd: Command) =>
      runRoles(cmd, { snapshot: true, provision: true, scheduler: true, dashboard: true }, "start"),
    );
  program
    .command("worker")
    .description("snapshot and provision workers (run as many as you like, on any machine)")
    .action((_f: unknown, cmd: Command) =>
      runRoles(cmd, { snapshot: true, provision: true, scheduler: false, dashboard: false }, "worker"),
    );
  program
    .command("scheduler")
    .description("keep BullMQ job schedulers equal to the configuration's schedules")
    .action((_f: unknown, cmd: Command) =>
      runRoles(cmd, { snapshot: false, provision: false, scheduler: true, dashboard: false }, "scheduler"),
    );
}

import type { Command } from "commander";
import { QueueContext } from "../queue/context.js";
import { ChannelBusyError, requestReplay, requestRun, UnknownChannelError } from "../queue/control.js";
import { EXIT, fail, loadForCommand, loggerFor } from "./context.js";
import { exitCodeOf, formatRun, waitForRun } from "./wait.js";

/**
 * `sync` and `replay`: add a snapshot job, and with --wait (or --inline) follow the run to its end.
 * `--inline` starts the snapshot and provision workers in this process, so a plain cron line works with
 * nothing else running; the workers stop when the run ends.
 */
interface RunFlags {
  wait?: boolean;
  inline?: boolean;
  json?: boolean;
  timeout?: string;
}

async function follow(
  ctx: QueueContext,
  runId: string,
  flags: RunFlags,
  inlineTarget: string | undefined,
  logName: string,
  loaded: ReturnType<typeof loadForCommand>,
): Promise<number> {
  let inline: { close(): Promise<void> } | undefined;
  if (flags.inline) {
    const { startWorkers } = await import("../../workers/start.js");
    const logger = loggerFor(loaded, logName, { stderr: true });
    inline = await startWorkers(ctx, {
      roles: { snapshot: true, provision: inlineTarget ? [inlineTarget] : true },
      logger,
    });
  }
  try {
    if (!flags.wait && !flags.inline) {
      if (flags.json) console.log(JSON.stringify({ runId }));
      else console.log(`run ${runId} queued; follow it with \`provisioner status\` or the dashboard`);
      return EXIT.ok;
    }
    const run = await waitForRun(ctx.runs, runId, {
      progress: !flags.json,
      tty: process.stderr.isTTY === true,
      ...(flags.timeout ? { timeoutMs: Number(flags.timeout) * 1000 } : {}),
    });
    console.log(flags.json ? JSON.stringify(run, null, 2) : formatRun(run));
    if (!flags.json && run.counts.dead_lettered)
      console.log(`  replay the failed users: provisioner replay ${run.channel} --failed`);
    if (!flags.json && run.status === "blocked")
      console.log(
        `  approve: provisioner sync ${run.channel}${run.mode === "full" ? " --full" : ""} --allow-deletions`,
      );
    return exitCodeOf(run);
  } finally {
    await inline?.close();
  }
}

export function registerRunCommands(program: Command): void {
  program
    .command("sync")
    .description("run a channel now: incremental by default, --full to reconcile against AWS")
    .argument("<channel>")
    .option("--full", "read AWS in bulk and repair drift")
    .option("--wait", "follow the run to its end; exit 0 applied, 2 dead letters, 3 blocked, 1 failed")
    .option("--inline", "run the workers in this process (implies --wait): for cron")
    .option("--json", "print the run summary as JSON")
    .option("--allow-deletions", "approve removals over the channel's maxDeletes guard for this run")
    .option("--timeout <seconds>", "give up waiting after this long")
    .action(async (channel: string, flags: RunFlags & { full?: boolean; allowDeletions?: boolean }, cmd: Command) => {
      const loaded = loadForCommand(cmd);
      const ctx = new QueueContext(loaded.config);
      try {
        const { runId, created } = await requestRun(ctx, {
          channel,
          mode: flags.full ? "full" : "incremental",
          trigger: "cli",
          allowDeletions: !!flags.allowDeletions,
        });
        if (!created && !flags.json)
          console.error(`a run of ${channel} is already pending or running: following ${runId}`);
        process.exitCode = await follow(ctx, runId, flags, loaded.config.channels[channel]?.target, "sync", loaded);
      } catch (err) {
        if (err instanceof UnknownChannelError || err instanceof ChannelBusyError) fail(err.message);
        throw err;
      } finally {
        await ctx.close();
      }
    });

  program
    .command("replay")
    .description("re-plan and re-apply named users, or every dead-lettered user of a channel")
    .argument("<channel>")
    .option("--user <id...>", "source ids or IAM user names")
    .option("--failed", "every user in the dead-letter queue for this channel")
    .option("--wait", "follow the run to its end")
    .option("--inline", "run the workers in this process (implies --wait)")
    .option("--json", "print the run summary as JSON")
    .option("--timeout <seconds>", "give up waiting after this long")
    .action(async (channel: string, flags: RunFlags & { user?: string[]; failed?: boolean }, cmd: Command) => {
      if (!flags.user?.length && !flags.failed) fail("give --user ID... or --failed");
      const loaded = loadForCommand(cmd);
      if (!loaded.config.channels[channel])
        fail(`unknown channel "${channel}" (known: ${Object.keys(loaded.config.channels).join(", ") || "none"})`);
      const ctx = new QueueContext(loaded.config);
      try {
        let who: { sourceIds: string[] } | "failed" = "failed";
        if (flags.user?.length) {
          const { StateStore } = await import("../sync/state-store.js");
          const state = new StateStore(ctx.redis, { prefix: ctx.prefix });
          // An IAM user name the channel applied is resolved to its source id; anything else is taken as one.
          const ids = await Promise.all(
            flags.user.map(async (u) => (await state.sourceIdForUserName(channel, u)) ?? u),
          );
          who = { sourceIds: ids };
        }
        const r = await requestReplay(ctx, channel, who, "cli").catch((err: unknown) => {
          if (err instanceof ChannelBusyError) fail(err.message);
          throw err;
        });
        if (r.sourceIds.length === 0) {
          console.log(
            flags.json
              ? JSON.stringify({ runId: null, sourceIds: [] })
              : `no dead letters for ${channel}: nothing to replay`,
          );
          process.exitCode = EXIT.ok;
          return;
        }
        if (!flags.json)
          console.error(`replaying ${r.sourceIds.length} user${r.sourceIds.length === 1 ? "" : "s"} in run ${r.runId}`);
        process.exitCode = await follow(ctx, r.runId, flags, loaded.config.channels[channel]?.target, "replay", loaded);
      } finally {
        await ctx.close();
      }
    });
}

import type { Command } from "commander";
import { targetsOverview } from "../dashboard/read-model.js";
import { QueueContext } from "../queue/context.js";
import { resumeTarget } from "../queue/control.js";
import { fail, loadForCommand } from "./context.js";

/** `status`: recent runs, dead-letter counts, queue depths and target health; `target resume`. */
export async function collectStatus(ctx: QueueContext, only?: string) {
  const channels = Object.values(ctx.config.channels).filter((c) => !only || c.name === only);
  const deadLetters = await ctx.deadLetters.list();
  const out = {
    channels: await Promise.all(
      channels.map(async (c) => ({
        name: c.name,
        active: c.active,
        target: c.target,
        runs: (await ctx.runs.list(c.name, 5)).map((r) => ({
          id: r.id,
          mode: r.mode,
          status: r.status,
          startedAt: r.startedAt,
          durationMs: r.durationMs,
          counts: r.counts,
        })),
        deadLetters: deadLetters.filter((d) => d.channel === c.name).length,
      })),
    ),
    queues: Object.fromEntries(
      await Promise.all(
        ctx
          .allQueues()
          .map(
            async (q) =>
              [
                q.name,
                await q.getJobCounts(
                  "waiting",
                  "active",
                  "delayed",
                  "failed",
                  "waiting-children",
                  "paused",
                  "prioritized",
                ),
              ] as const,
          ),
      ),
    ),
    // The dashboard's view of the targets, in the CLI's shape.
    targets: (await targetsOverview(ctx)).map((t) => ({
      name: t.name,
      healthy: t.health.healthy,
      reason: t.health.reason,
      paused: t.paused,
      rate: Number(t.budget.rate.toFixed(2)),
      max: t.budget.max,
      throttled: t.budget.throttled,
    })),
  };
  return out;
}

export function registerStatusCommands(program: Command): void {
  program
    .command("status")
    .description("recent runs, dead letters, queue depths and target health")
    .argument("[channel]")
    .option("--json", "as JSON")
    .action(async (channel: string | undefined, flags: { json?: boolean }, cmd: Command) => {
      const loaded = loadForCommand(cmd);
      if (channel && !loaded.config.channels[channel]) fail(`unknown channel "${channel}"`);
      const ctx = new QueueContext(loaded.config);
      try {
        const s = await collectStatus(ctx, channel);
        if (flags.json) {
          console.log(JSON.stringify(s, null, 2));
          return;
        }
        for (const c of s.channels) {
          console.log(
            `channel ${c.name} (${c.active ? "active" : "inactive"}) → ${c.target}: ${c.deadLetters} dead letter${c.deadLetters === 1 ? "" : "s"}`,
          );
          if (c.runs.length === 0) console.log("  no runs yet");
          for (const r of c.runs) {
            const counts = Object.entries(r.counts)
              .map(([k, n]) => `${k} ${n}`)
              .join(", ");
            console.log(
              `  ${r.id}  ${r.mode.padEnd(11)} ${r.status.padEnd(23)} ${r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)} s` : ""}  ${counts}`,
            );
          }
        }
        for (const [name, counts] of Object.entries(s.queues)) {
          console.log(
            `queue ${name}: ${
              Object.entries(counts)
                .filter(([, n]) => n > 0)
                .map(([k, n]) => `${k} ${n}`)
                .join(", ") || "empty"
            }`,
          );
        }
        for (const t of s.targets) {
          console.log(
            `target ${t.name}: ${t.healthy ? "healthy" : `UNHEALTHY (${t.reason})`}${t.paused ? ", paused" : ""}, rate ${t.rate}/${t.max} per second, ${t.throttled} throttled`,
          );
        }
      } finally {
        await ctx.close();
      }
    });

  const target = program.command("target").description("work with targets (AWS accounts)");
  target
    .command("resume")
    .description("resume a target paused after an auth failure, once its credentials are fixed")
    .argument("<target>")
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const loaded = loadForCommand(cmd);
      if (!loaded.config.targets[name])
        fail(`unknown target "${name}" (known: ${Object.keys(loaded.config.targets).join(", ")})`);
      const ctx = new QueueContext(loaded.config);
      try {
        const { promoted } = await resumeTarget(ctx, name);
        console.log(`target ${name} resumed; ${promoted} job(s) set aside by the auth failure handed back`);
      } finally {
        await ctx.close();
      }
    });
}

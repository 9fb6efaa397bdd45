/**
 * Scenario 5: replay of one user, end to end, with workers already running (in their own process): the
 * seconds from requestReplay to the run's end, for a user whose directory entry changed since the last run.
 */
import { waitForRun } from "../../../src/cli/wait.js";
import { requestReplay } from "../../../src/queue/control.js";
import { startIamEmulator } from "../../support/iam-emulator/index.js";
import { Pipeline, people } from "../../support/pipeline.js";
import { type Child, clearPrefix, forkChild, within } from "./common.js";

export interface ReplayResult {
  seconds: number[];
  median: number;
  max: number;
  outcomes: string[];
}

export async function replay(p: { repeats: number }, log: (s: string) => void): Promise<ReplayResult> {
  const emu = await startIamEmulator();
  const staff = people(50, { password: true });
  const pl = new Pipeline({ emulator: emu, label: "bench-replay" });
  let worker: Child | undefined;
  try {
    await pl.setup({
      people: staff,
      groups: { engineering: staff.slice(0, 25).map((s) => s.uid), sales: staff.slice(25).map((s) => s.uid) },
    });
    worker = forkChild("serve", pl.configFile);
    await worker.next("ready", 60_000);
    const first = await pl.run({ mode: "incremental" }, 120_000);
    if (first.status !== "completed") throw new Error(`initial sync: ${first.status}`);
    const bySource = new Map(
      pl
        .managedUsers()
        .map((u) => [u.userName, u.tags.find((t) => t.Key === "provisioner:source-id")?.Value as string]),
    );
    const seconds: number[] = [];
    const outcomes: string[] = [];
    for (let k = 0; k < p.repeats; k++) {
      const uid = staff[k * 7]?.uid as string;
      await pl.modify(
        `dn: uid=${uid},ou=people,@BASE@\nchangetype: modify\nreplace: mail\nmail: replayed${k}@example.com\n`,
      );
      const sourceId = bySource.get(uid) as string;
      const t0 = performance.now();
      const r = await requestReplay(pl.ctx, "staff", { sourceIds: [sourceId] }, "cli");
      const run = await within(60_000, "replay", waitForRun(pl.ctx.runs, r.runId, { pollMs: 5, timeoutMs: 60_000 }));
      seconds.push(+((performance.now() - t0) / 1000).toFixed(3));
      outcomes.push(`${run.status} ${JSON.stringify(run.counts)}`);
      log(`  replay ${uid}: ${seconds[seconds.length - 1]} s, ${outcomes[outcomes.length - 1]}`);
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    return {
      seconds,
      median: sorted[Math.floor(sorted.length / 2)] ?? 0,
      max: sorted[sorted.length - 1] ?? 0,
      outcomes,
    };
  } finally {
    if (worker) {
      worker.send({ type: "stop" });
      await worker.exit(30_000);
    }
    const prefix = pl.prefix;
    await pl.close().catch(() => {});
    await clearPrefix(process.env.REDIS_URL as string, prefix).catch(() => {});
    await emu.close();
  }
}

import type { RunRecord, RunStore } from "../queue/runs.js";
import { TERMINAL } from "../queue/runs.js";
import { EXIT } from "./context.js";

/** Exit code of a finished run: 0 all applied, 2 some dead-lettered, 3 blocked, 1 failed. */
export function exitCodeOf(run: RunRecord): number {
  switch (run.status) {
    case "completed":
      return EXIT.ok;
    case "completed_with_failures":
      return EXIT.deadLettered;
    case "blocked":
      return EXIT.blocked;
    default:
      return EXIT.error;
  }
}

/**
 * Waits for a run to end, drawing a progress bar on a terminal and a line every `lineEveryMs` otherwise
 * (cron mail and CI logs stay readable).
 */
export async function waitForRun(
  runs: RunStore,
  runId: string,
  opts: {
    progress?: boolean;
    tty?: boolean;
    lineEveryMs?: number;
    pollMs?: number;
    timeoutMs?: number;
    write?: (s: string) => void;
  } = {},
): Promise<RunRecord> {
  const write = opts.write ?? ((s: string) => process.stderr.write(s));
  const pollMs = opts.pollMs ?? 300;
  const lineEvery = opts.lineEveryMs ?? 10_000;
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Number.POSITIVE_INFINITY;
  let lastLine = 0;
  for (;;) {
    const run = await runs.get(runId);
    if (run && TERMINAL.includes(run.status)) {
      if (opts.progress && opts.tty) write("\n");
      return run;
    }
    if (run && opts.progress) {
      const done = run.finished;
      const total = run.planned;
      if (opts.tty) {
        const width = 30;
        const filled = total > 0 ? Math.round((done / total) * width) : 0;
        write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} users  ${run.status}   `);
      } else if (Date.now() - lastLine >= lineEvery) {
        lastLine = Date.now();
        write(`run ${runId}: ${run.status}, ${done}/${total} users done\n`);
      }
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${opts.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** `; 19,998 unchanged (19,990 skipped on their memo)`: what the run did not have to touch. */
export function unchangedNote(run: RunRecord): string {
  if (!run.unchanged) return "";
  const skipped = run.skippedOnMemo ? ` (${run.skippedOnMemo} skipped on their memo)` : "";
  return `; ${run.unchanged} unchanged${skipped}`;
}

/** The human summary printed after a run. */
export function formatRun(run: RunRecord): string {
  const counts = Object.entries(run.counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const calls = Object.entries(run.calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const totalCalls = Object.values(run.calls).reduce((a, b) => a + b, 0);
  const lines = [
    `run ${run.id} (${run.channel}, ${run.mode}): ${run.status}${run.durationMs !== undefined ? ` in ${(run.durationMs / 1000).toFixed(1)} s` : ""}`,
    `  users: ${counts || "none changed"}${unchangedNote(run)}`,
    `  IAM calls: ${totalCalls}${calls ? ` (${calls})` : ""}`,
  ];
  const groups = Object.entries(run.groups).map(([k, n]) => `${k} ${n}`);
  if (groups.length) lines.push(`  groups: ${groups.join(", ")}`);
  for (const r of run.reasons) lines.push(`  ${run.status === "blocked" ? "blocked" : "reason"}: ${r}`);
  return lines.join("\n");
}

import { nextCron } from "../config/cron.js";
import { parseInterval } from "../config/duration.js";
import type { ChannelConfig } from "../config/schema.js";
import type { RunRecord } from "../queue/runs.js";

/** When a channel runs next, as far as its configuration says (the scheduler upserts exactly these). */
export interface NextRun {
  mode: "incremental" | "full";
  /** ISO time, when it can be known. */
  at?: string;
  /** What an operator reads: a time, or "within 15m" when the interval's phase is unknown. */
  text: string;
}

export function nextRuns(channel: ChannelConfig, lastRun: RunRecord | undefined, now = new Date()): NextRun[] {
  if (!channel.active) return [];
  const out: NextRun[] = [];
  const { incremental, full, timezone } = channel.schedule;
  if (incremental !== undefined) {
    const ms = parseInterval(incremental).ms;
    const label = typeof incremental === "number" ? `${incremental} ms` : incremental;
    const started = lastRun ? Date.parse(lastRun.startedAt) : Number.NaN;
    // BullMQ's `every` fires on a fixed phase, so last start + interval is an estimate; once it has passed
    // (a manual run shifted it, or the scheduler was down) only the bound "within <interval>" is honest.
    if (ms !== undefined && Number.isFinite(started) && started + ms > now.getTime()) {
      const at = new Date(started + ms).toISOString();
      out.push({ mode: "incremental", at, text: at });
    } else {
      out.push({ mode: "incremental", text: `within ${label}` });
    }
  }
  if (full !== undefined) {
    try {
      const at = nextCron(full, timezone, now).toISOString();
      out.push({ mode: "full", at, text: `${at} (${full} ${timezone})` });
    } catch {
      out.push({ mode: "full", text: `invalid cron "${full}"` });
    }
  }
  return out;
}

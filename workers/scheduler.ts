import type { Logger } from "pino";
import { SNAPSHOT_JOB, type SnapshotPayload } from "../jobs/snapshot.js";
import { parseInterval } from "../src/config/duration.js";
import type { ChannelConfig } from "../src/config/schema.js";
import type { QueueContext } from "../src/queue/context.js";

/**
 * Keeps BullMQ's job schedulers equal to the configuration: one `every` scheduler for incremental runs and
 * one cron scheduler for full runs per active channel; schedulers of channels that are gone or inactive are
 * removed. Run by one process (`scheduler` or `start`); running it twice is harmless (upserts are idempotent).
 */
// No ':' in scheduler ids: BullMQ reads an id with colons as a legacy repeatable key.
const ID_PREFIX = "channel/";

export function schedulerIds(channel: string) {
  return { incremental: `${ID_PREFIX}${channel}/incremental`, full: `${ID_PREFIX}${channel}/full` };
}

export interface ReconcileResult {
  upserted: string[];
  removed: string[];
  /** Channels not scheduled because their target's credentials failed verification. */
  refused: { channel: string; reason: string }[];
}

export async function reconcileSchedulers(
  ctx: QueueContext,
  opts: { logger: Logger; verify?: (channel: ChannelConfig) => Promise<string | undefined> },
): Promise<ReconcileResult> {
  const queue = ctx.snapshotQueue;
  const wanted = new Map<
    string,
    { every?: number; pattern?: string; tz?: string; channel: string; mode: "incremental" | "full" }
  >();
  const refused: ReconcileResult["refused"] = [];

  for (const channel of Object.values(ctx.config.channels)) {
    if (!channel.active) continue;
    const problem = opts.verify ? await opts.verify(channel) : undefined;
    if (problem) {
      // A wrong key fails the channel loudly here instead of filling the dead-letter queue later.
      refused.push({ channel: channel.name, reason: problem });
      opts.logger.error(
        { channel: channel.name, target: channel.target, reason: problem },
        "channel not scheduled: target credentials failed",
      );
      continue;
    }
    const ids = schedulerIds(channel.name);
    if (channel.schedule.incremental !== undefined) {
      const ms = parseInterval(channel.schedule.incremental).ms as number;
      wanted.set(ids.incremental, { every: ms, channel: channel.name, mode: "incremental" });
    }
    if (channel.schedule.full !== undefined) {
      wanted.set(ids.full, {
        pattern: channel.schedule.full,
        tz: channel.schedule.timezone,
        channel: channel.name,
        mode: "full",
      });
    }
  }

  const upserted: string[] = [];
  for (const [id, w] of wanted) {
    const data: SnapshotPayload = {
      channel: w.channel,
      runId: "scheduled",
      mode: w.mode,
      trigger: "schedule",
      allowDeletions: false,
      step: "plan",
    };
    // An `every` scheduler fires at once when created: a process start would then sync every channel
    // immediately, racing whatever the operator started. The first tick comes one interval later instead.
    const fresh = w.every !== undefined && !(await queue.getJobScheduler(id));
    const repeat = w.every
      ? { every: w.every, ...(fresh ? { startDate: Date.now() + w.every } : {}) }
      : { pattern: w.pattern as string, tz: w.tz as string };
    await queue.upsertJobScheduler(id, repeat, {
      name: SNAPSHOT_JOB,
      data,
      opts: { attempts: 1, removeOnComplete: { count: 1_000 }, removeOnFail: { count: 1_000 } },
    });
    upserted.push(id);
  }

  const removed: string[] = [];
  const existing = await queue.getJobSchedulers(0, -1, true);
  for (const s of existing) {
    const key = s.key ?? s.id;
    if (key?.startsWith(ID_PREFIX) && !wanted.has(key)) {
      await queue.removeJobScheduler(key);
      removed.push(key);
    }
  }
  opts.logger.info({ upserted, removed, refused: refused.map((r) => r.channel) }, "schedulers reconciled");
  return { upserted, removed, refused };
}

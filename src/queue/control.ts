import { randomBytes } from "node:crypto";
import { SNAPSHOT_JOB, type SnapshotPayload, snapshotDefaults } from "../../jobs/snapshot.js";
import { ChannelBusyError } from "../errors/ChannelBusyError.js";
import { UnknownChannelError } from "../errors/UnknownChannelError.js";
import type { RunMode } from "../types.js";
import type { QueueContext } from "./context.js";
import { type RunTrigger, TERMINAL } from "./runs.js";

export { ChannelBusyError, UnknownChannelError };

/**
 * The operator's actions, shared by the CLI, the dashboard and the API: start a run, replay users,
 * approve blocked deletions, resume a paused target, purge dead letters.
 */
export function newRunId(channel: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${channel}-${stamp}-${randomBytes(3).toString("hex")}`;
}

export interface SyncRequest {
  channel: string;
  mode: RunMode;
  trigger: RunTrigger;
  allowDeletions?: boolean;
  sourceIds?: string[];
}

export interface Enqueued {
  runId: string;
  /** False when a snapshot of this channel was already pending or running: its run is returned instead. */
  created: boolean;
}

/** Adds a snapshot job; at most one is pending or active per channel (BullMQ deduplication by channel). */
export async function requestRun(ctx: QueueContext, req: SyncRequest): Promise<Enqueued> {
  const channel = ctx.config.channels[req.channel];
  if (!channel) {
    const known = Object.keys(ctx.config.channels).join(", ") || "none";
    throw new UnknownChannelError(`unknown channel "${req.channel}" (known: ${known})`);
  }
  const runId = newRunId(req.channel);
  const payload: SnapshotPayload = {
    channel: req.channel,
    runId,
    mode: req.mode,
    trigger: req.trigger,
    allowDeletions: req.allowDeletions ?? false,
    step: "plan",
    ...(req.sourceIds ? { sourceIds: req.sourceIds } : {}),
  };
  const deadline = Date.now() + ENDING_RUN_WAIT_MS;
  for (;;) {
    const job = await ctx.snapshotQueue.add(SNAPSHOT_JOB, payload, {
      ...snapshotDefaults,
      jobId: runId,
      deduplication: { id: `channel:${req.channel}` },
    });
    if (job.id === runId) {
      await ctx.runs.create({
        id: runId,
        channel: req.channel,
        target: channel.target,
        mode: req.mode,
        trigger: req.trigger,
        snapshotJobId: runId,
      });
      return { runId, created: true };
    }
    const existing = job.id ? await ctx.snapshotQueue.getJob(job.id) : undefined;
    const pending = (existing?.data as SnapshotPayload | undefined)?.runId ?? String(job.id);
    // A run that has just ended still holds the channel until its job completes, a moment later: this
    // request is for a new run, not for the one that ended, so it waits for the channel to come free.
    const ended = TERMINAL.includes((await ctx.runs.get(pending))?.status ?? "running");
    if (ended && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    if (req.sourceIds || req.allowDeletions) {
      // A pending run would swallow this one (one snapshot per channel) and with it the named users or the
      // approval: refuse, rather than let the caller follow a run that does not do what was asked.
      throw new ChannelBusyError(req.channel, pending);
    }
    return { runId: pending, created: false };
  }
}

/** How long a request waits for a run that has ended to release its channel. @defaultValue 10 s */
const ENDING_RUN_WAIT_MS = 10_000;

/** Replays named users, or every dead-lettered user of the channel. */
export async function requestReplay(
  ctx: QueueContext,
  channel: string,
  who: { sourceIds: string[] } | "failed",
  trigger: RunTrigger,
): Promise<Enqueued & { sourceIds: string[] }> {
  const sourceIds =
    who === "failed"
      ? (await ctx.deadLetters.list({ channel })).map((d) => d.sourceId).filter((id) => !id.startsWith("group:"))
      : who.sourceIds;
  if (sourceIds.length === 0) return { runId: "", created: false, sourceIds };
  const r = await requestRun(ctx, { channel, mode: "replay", trigger, sourceIds });
  return { ...r, sourceIds };
}

/** Re-runs a blocked run with its removals approved. */
export async function approveDeletions(ctx: QueueContext, runId: string, trigger: RunTrigger): Promise<Enqueued> {
  const run = await ctx.runs.get(runId);
  if (!run) throw new Error(`unknown run "${runId}"`);
  if (run.status !== "blocked") throw new Error(`run "${runId}" is ${run.status}, not blocked`);
  return requestRun(ctx, {
    channel: run.channel,
    mode: run.mode === "replay" ? "incremental" : run.mode,
    trigger,
    allowDeletions: true,
  });
}

/** Resumes a target paused after an auth failure, once the operator fixed its credentials. */
export async function resumeTarget(ctx: QueueContext, target: string): Promise<{ promoted: number }> {
  if (!ctx.config.targets[target]) throw new Error(`unknown target "${target}"`);
  await ctx.health.markHealthy(target);
  const queue = ctx.provisionQueue(target);
  await queue.resume();
  // Jobs set aside on the auth failure wait for their recheck otherwise (a minute): hand them back now.
  let promoted = 0;
  for (const id of await ctx.health.takeHeldJobs(target)) {
    const job = await queue.getJob(id);
    if (job && (await job.isDelayed())) {
      await job.promote().then(
        () => promoted++,
        () => {}, // already moved on (its delay ran out meanwhile): nothing to hand back
      );
    }
  }
  return { promoted };
}

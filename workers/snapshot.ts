import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError, Worker } from "bullmq";
import {
  PROVISION_GROUP_JOB,
  parseJob,
  provisionGroupDefaults,
  provisionGroupJobId,
  provisionUserChildren,
  provisionUserDefaults,
  SNAPSHOT_JOB,
  type SnapshotPayload,
} from "../jobs/index.js";
import { chunks } from "../src/chunks.js";
import type { ChannelConfig } from "../src/config/schema.js";
import { AuthError } from "../src/errors/AuthError.js";
import { newRunId } from "../src/queue/control.js";
import { SNAPSHOT_QUEUE } from "../src/queue/names.js";
import type { RunCurrent, RunRecord, RunStatus, UserOutcome } from "../src/queue/runs.js";
import { currentFromObserved } from "../src/sync/delta.js";
import { indexObserved } from "../src/sync/observed-index.js";
import { planRun } from "../src/sync/plan.js";
import type { PasswordPolicy } from "../src/targets/aws-iam/names.js";
import type { GroupChange, ObservedState } from "../src/types.js";
import { collectAfterRun } from "./after-run-gc.js";
import { applyGroupChange } from "./groups.js";
import { ChannelLock } from "./lock.js";
import type { Runtime } from "./runtime.js";

/**
 * The snapshot worker: one job per run, processed in two steps (BullMQ's "process step jobs").
 * `plan`: read the source (and AWS for `full`), plan, apply group creates/renames inline, store desired
 * states, fan the changed users out as children in `provision-<target>`, and wait for them.
 * `finalise`: once every child is done, delete groups no longer mapped, record state and close the run.
 * A job that was interrupted (worker killed) is re-run from its current step; every step is idempotent
 * (child job ids are per run and user, so re-adding them adds nothing).
 */
const CHILD_BATCH = 1_000;
const BUSY_RETRY_MS = 2_000;

export async function processSnapshot(
  rt: Runtime,
  job: Job,
  token: string | undefined,
): Promise<Partial<RunRecord> | { skipped: string }> {
  let p = parseJob(SNAPSHOT_JOB, job.data);
  if (p.runId === "scheduled") {
    // Scheduler-made jobs share one template: give this run its own id, kept across steps and retries.
    p = { ...p, runId: newRunId(p.channel) };
    await job.updateData(p);
  }
  const channel = rt.channel(p.channel);
  if (!channel) throw new UnrecoverableError(`channel "${p.channel}" is not in the configuration`);

  const lock = new ChannelLock(rt.ctx.redis, rt.ctx.prefix, p.channel);
  const holder = await lock.acquire(p.runId);
  if (holder !== p.runId) {
    if (p.trigger === "schedule") {
      // The channel is being synced already; the next tick comes soon enough. No run record: nothing ran.
      rt.logger.info(
        { channel: p.channel, holder },
        "scheduled run skipped: another run of the channel is in progress",
      );
      return { skipped: `another run of channel ${p.channel} is in progress (${holder})` };
    }
    // Someone asked for this run: it waits its turn (still "running" to whoever follows it).
    if (!token) throw new Error(`channel ${p.channel} is busy with run ${holder}`);
    await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
    throw new DelayedError();
  }
  await rt.ctx.runs.create({
    id: p.runId,
    channel: p.channel,
    target: channel.target,
    mode: p.mode,
    trigger: p.trigger,
    ...(job.id ? { snapshotJobId: job.id } : {}),
  });

  if (p.step === "plan") {
    const waiting = await planStep(rt, job, p, channel, lock);
    if (waiting === "done") return finished(rt, p.runId);
    p = { ...p, step: "finalise" };
    await job.updateData(p);
    if (waiting === "children" && token && (await job.moveToWaitingChildren(token))) throw new WaitingChildrenError();
  }
  await finaliseStep(rt, p, channel);
  await lock.release(p.runId);
  return finished(rt, p.runId);
}

async function finished(rt: Runtime, runId: string) {
  collectAfterRun();
  const run = await rt.ctx.runs.get(runId);
  return run ? { id: run.id, status: run.status, counts: run.counts } : {};
}

/** Returns "children" when provision jobs were fanned out, "none" when there is nothing to wait for, "done" when the run already ended. */
async function planStep(
  rt: Runtime,
  job: Job,
  p: SnapshotPayload,
  channel: ChannelConfig,
  lock: ChannelLock,
): Promise<"children" | "none" | "done"> {
  const log = rt.logger.child({ channel: p.channel, runId: p.runId, mode: p.mode });
  const target = rt.target(channel.target);
  const end = async (status: RunStatus, reasons: string[]) => {
    await rt.ctx.runs.finish(p.runId, status, reasons);
    await lock.release(p.runId);
    log.warn({ status, reasons }, "run ended at plan");
    return "done" as const;
  };

  const awsFailure = async (err: unknown) => {
    if (err instanceof AuthError) {
      await rt.ctx.health.markUnhealthy(channel.target, `${err.code}: ${err.message}`);
      return end("failed", [
        `target ${channel.target}: credentials rejected (${err.code}); fix them, then \`provisioner target resume ${channel.target}\``,
      ]);
    }
    return end("failed", [`target ${channel.target}: ${(err as Error).message}`]);
  };

  // What the plan needs before the first page (the caller, the password policy, AWS for a full run) is
  // read first; the memos load meanwhile and are awaited at the first page; the account's user count
  // (quota, checked after the read) is asked for beside the read. None waits for another.
  const memosRead = rt.state.loadMemos(p.channel);
  memosRead.catch(() => {});
  const quotaRead: Promise<{ users?: number; calls: Record<string, number> } | { error: unknown }> =
    p.mode === "full"
      ? Promise.resolve({ calls: {} })
      : target.readAccount({ users: true }).catch((error: unknown) => ({ error }));
  const groupsRead = rt.state.loadGroups(p.channel);
  groupsRead.catch(() => {});
  let caller: string | undefined;
  let observed: ObservedState | undefined;
  let passwordPolicy: PasswordPolicy | "default" | undefined;
  try {
    const [identity, reads] = await Promise.all([
      target.verify(),
      target.readAccount({
        // Passwords are checked against the account's own policy at plan time, not discovered as failures.
        passwordPolicy: channel.mapping.loginProfile !== undefined,
        observed: p.mode === "full",
      }),
    ]);
    caller = identity.userName;
    await rt.ctx.runs.addCalls(p.runId, reads.calls);
    ({ observed, passwordPolicy } = reads);
  } catch (err) {
    await quotaRead;
    return awsFailure(err);
  }
  const groupState = await groupsRead;

  const source = rt.openSource(channel);
  let result: Awaited<ReturnType<typeof planRun>>;
  try {
    result = await planRun({
      channel,
      mode: p.mode,
      source,
      applied: rt.state.appliedView(p.channel),
      memos: memosRead,
      groupState,
      ...(observed ? { observed } : {}),
      protectedUsers: [...(caller ? [caller] : []), ...(rt.config.targets[channel.target]?.protectedUsers ?? [])],
      maxUsers: rt.config.targets[channel.target]?.maxUsers ?? 5_000,
      ...(rt.secretKey ? { secretKey: rt.secretKey } : {}),
      ...(p.sourceIds ? { replayIds: p.sourceIds } : {}),
      allowDeletions: p.allowDeletions,
      ...(passwordPolicy ? { passwordPolicy } : {}),
      // The quota counts every IAM user of the account, not only this channel's (a full run sees them all).
      accountUsers: quotaRead.then((q) => ("users" in q ? q.users : undefined)),
      runId: p.runId,
    });
  } finally {
    await source.close().catch(() => {});
  }
  const quota = await quotaRead;
  if ("error" in quota) return awsFailure(quota.error);
  await rt.ctx.runs.addCalls(p.runId, quota.calls);
  const { plan } = result;
  if (plan.status === "failed") return end("failed", plan.reasons);

  // Users the plan refused are dead letters with their reasons, whatever the plan's status.
  for (const inv of plan.invalid) {
    await rt.ctx.deadLetters.record({
      channel: p.channel,
      target: channel.target,
      runId: p.runId,
      sourceId: inv.sourceId,
      ...(inv.userName ? { userName: inv.userName } : {}),
      sourceQueue: SNAPSHOT_QUEUE,
      ...(job.id ? { sourceJobId: job.id } : {}),
      errorKind: "invalid",
      errorCode: "InvalidMapping",
      message: inv.reasons.join("; "),
      attempts: 1,
    });
  }
  if (plan.status === "blocked") {
    await rt.ctx.runs.setPlanned(
      p.runId,
      0,
      Object.fromEntries(plan.invalid.map((i) => [i.sourceId, "invalid" as UserOutcome])),
    );
    return end("blocked", plan.reasons);
  }

  // Groups first: memberships need them. A group that cannot be made fails the run before any user is sent.
  for (const g of plan.groups.filter((c): c is Exclude<GroupChange, { kind: "delete" }> => c.kind !== "delete")) {
    try {
      const out = await applyGroupChange(rt, channel, g);
      await rt.ctx.runs.addCalls(p.runId, out.calls);
      await rt.ctx.runs.recordGroup(p.runId, g.kind);
    } catch (err) {
      return end("failed", [`group ${g.groupName}: ${(err as Error).message}`]);
    }
  }
  // Applied memberships follow renamed and deleted groups, so later deltas name the groups IAM now holds.
  await rt.state.rewriteAppliedGroups(p.channel, result.groupRewrite);
  await rt.state.putGroups(p.channel, result.groupState);
  await rt.ctx.runs.putPendingGroupDeletes(
    p.runId,
    plan.groups.filter((g) => g.kind === "delete").map((g) => ({ groupName: g.groupName, path: g.path })),
  );

  const changed = plan.users.filter((u) => u.kind !== "noop");
  const removedIds = changed.filter((u) => !result.desired.has(u.sourceId)).map((u) => u.sourceId);
  await rt.state.putDesired(p.channel, [...result.desired.values()]);
  if (removedIds.length) await rt.state.deleteDesired(p.channel, removedIds);
  if (result.refreshApplied.length) await rt.state.putApplied(p.channel, result.refreshApplied);
  if (result.memos.size) await rt.state.putMemos(p.channel, result.memos);
  if (result.forget.length) await rt.state.deleteApplied(p.channel, result.forget);
  if (observed)
    await rt.ctx.runs.putCurrent(
      p.runId,
      observedCurrent(
        observed,
        p.channel,
        result,
        changed.map((u) => u.sourceId),
      ),
    );

  const pre: Record<string, UserOutcome | "pending"> = {};
  for (const u of plan.skipped) pre[u.sourceId] = "skipped";
  for (const u of plan.invalid) pre[u.sourceId] = "invalid";
  for (const u of plan.users) if (u.kind === "noop") pre[u.sourceId] = "unchanged";
  for (const u of changed) pre[u.sourceId] = "pending";
  await rt.ctx.runs.setPlanned(p.runId, changed.length, pre, {
    unchanged: plan.counts.noop ?? 0,
    skippedOnMemo: result.unchanged,
  });

  const queue = rt.ctx.provisionQueue(channel.target);
  const defaults = provisionUserDefaults(rt.config.provisioning.attempts, rt.config.provisioning.backoffMs);
  const parent = { id: job.id as string, queue: job.queueQualifiedName };
  for (const part of chunks(changed, CHILD_BATCH)) {
    const batch = part.map((u) => ({ channel: p.channel, runId: p.runId, sourceId: u.sourceId }));
    await queue.addBulk(provisionUserChildren(batch, defaults, parent));
  }
  log.info(
    {
      changes: changed.length,
      unchanged: plan.counts.noop ?? 0,
      skippedOnMemo: result.unchanged,
      invalid: plan.invalid.length,
      skipped: plan.skipped.length,
      groups: plan.groups.length,
    },
    "plan fanned out",
  );
  return changed.length > 0 ? "children" : "none";
}

/** The AWS view of every changed user, for full runs: by source id tag, or by name for an adoption. */
function observedCurrent(
  observed: ObservedState,
  channel: string,
  result: Awaited<ReturnType<typeof planRun>>,
  ids: string[],
): Map<string, RunCurrent> {
  const index = indexObserved(observed, channel);
  const known = new Set<string>();
  for (const g of result.groupState.values()) known.add(g.groupName.toLowerCase());
  for (const d of result.desired.values()) for (const g of d.groups) known.add(g.toLowerCase());
  const out = new Map<string, RunCurrent>();
  for (const id of ids) {
    const desired = result.desired.get(id);
    const ours = index.bySourceId.get(id);
    const byName = ours || !desired ? undefined : index.byName.get(desired.userName.toLowerCase());
    if (ours) out.set(id, currentFromObserved(ours, known));
    // An unmanaged user of the mapped name that the plan adopts: the job writes our markers onto it.
    else if (byName) out.set(id, { ...currentFromObserved(byName, known), adopt: true });
  }
  return out;
}

async function finaliseStep(rt: Runtime, p: SnapshotPayload, channel: ChannelConfig): Promise<void> {
  const deletes = await rt.ctx.runs.takePendingGroupDeletes(p.runId);
  if (deletes.length > 0) {
    const defaults = provisionGroupDefaults(rt.config.provisioning.attempts, rt.config.provisioning.backoffMs);
    await rt.ctx.provisionQueue(channel.target).addBulk(
      deletes.map((g) => {
        const data = {
          channel: p.channel,
          runId: p.runId,
          kind: "delete" as const,
          groupName: g.groupName,
          path: g.path,
        };
        return { name: PROVISION_GROUP_JOB, data, opts: { ...defaults, jobId: provisionGroupJobId(data) } };
      }),
    );
  }
  const run = await rt.ctx.runs.get(p.runId);
  const failed = (run?.counts.dead_lettered ?? 0) + (run?.counts.invalid ?? 0);
  await rt.ctx.runs.finish(p.runId, failed > 0 ? "completed_with_failures" : "completed");
}

export function startSnapshotWorker(rt: Runtime): Worker {
  const worker = new Worker(SNAPSHOT_QUEUE, (job, token) => processSnapshot(rt, job, token), {
    connection: rt.ctx.workerConnection(),
    prefix: rt.ctx.prefix,
    concurrency: rt.config.provisioning.snapshotConcurrency,
    // Reading a large directory takes minutes; the lock is renewed while the job runs.
    lockDuration: rt.config.provisioning.stalledAfterMs * 2,
    stalledInterval: rt.config.provisioning.stalledAfterMs,
    maxStalledCount: 3,
  });
  worker.on("error", (err) => rt.logger.error({ err }, "snapshot worker error"));
  worker.on("failed", (job, err) => {
    const data = job?.data as SnapshotPayload | undefined;
    const runId = data?.runId;
    rt.logger.error({ err, runId }, "snapshot failed");
    if (runId && runId !== "scheduled") {
      rt.ctx.runs.finish(runId, "failed", [err.message]).catch(() => {});
      if (data) new ChannelLock(rt.ctx.redis, rt.ctx.prefix, data.channel).release(runId).catch(() => {});
    }
  });
  return worker;
}

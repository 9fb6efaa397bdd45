import { type Job, UnrecoverableError, Worker } from "bullmq";
import { PROVISION_GROUP_JOB, PROVISION_USER_JOB, type ProvisionUserPayload, parseJob } from "../jobs/index.js";
import { provisionQueueName } from "../src/queue/names.js";
import type { UserOutcome } from "../src/queue/runs.js";
import { computeDelta, currentFromApplied, deltaFields, withMarkers } from "../src/sync/delta.js";
import { digestDesired, loginProfileChanged } from "../src/sync/digest.js";
import { memoHolds } from "../src/sync/plan.js";
import type { AppliedUser, ApplyOutcome, CurrentUser, DesiredUser, UserDelta } from "../src/types.js";
import { backoffStrategy } from "./backoff.js";
import { channelGone, settleFailure } from "./failures.js";
import { processProvisionGroup } from "./groups.js";
import type { Runtime } from "./runtime.js";

/**
 * The provision worker: applies one user's latest desired state to one target. It reads desired and
 * applied state (and, for a full run, what the snapshot saw in AWS), computes the minimal delta, applies it
 * through the target (one budget token per IAM call), then records applied state, the run outcome and an
 * audit event. Failures are sorted once: throttling is retried at the call and never costs an attempt;
 * transient errors back off and retry; permanent errors and the last transient one become dead letters,
 * written before the job is marked failed; auth errors pause the whole target without spending attempts.
 */
const OUTCOME: Record<UserDelta["kind"], UserOutcome> = {
  create: "created",
  update: "updated",
  disable: "disabled",
  enable: "enabled",
  delete: "deleted",
};

export async function processProvisionUser(
  rt: Runtime,
  job: Job,
  token: string | undefined,
  worker?: Worker,
): Promise<{ outcome: UserOutcome; calls: number }> {
  const p = parseJob(PROVISION_USER_JOB, job.data);
  const channel = rt.channel(p.channel);
  if (!channel) {
    await settleFailure(rt, job, token, { ...p, target: "unknown" }, channelGone(p.channel));
    throw channelGone(p.channel);
  }
  const budget = rt.ctx.budget(channel.target);
  if (worker) {
    // Nothing is applied yet: hand the job back and stop fetching until the account's bucket has a token.
    const wait = await budget.peekWait();
    if (wait > 50) {
      await worker.rateLimit(wait);
      throw Worker.RateLimitError();
    }
  }

  const [desiredMap, appliedMap, runCurrent] = await Promise.all([
    rt.state.getDesired(p.channel, [p.sourceId]),
    rt.state.getApplied(p.channel, [p.sourceId]),
    rt.ctx.runs.getCurrent(p.runId, p.sourceId),
  ]);
  const desired = desiredMap.get(p.sourceId) ?? null;
  const applied = appliedMap.get(p.sourceId);
  const { adopt, ...seen } = runCurrent ?? { adopt: false };
  const current: CurrentUser | null = runCurrent ? (seen as CurrentUser) : applied ? currentFromApplied(applied) : null;
  const digest = desired ? digestDesired(desired, rt.secretKey) : undefined;

  let delta = computeDelta(desired, current, {
    channel: p.channel,
    options: channel.options,
    removeAction: channel.options.removeAction,
    sourceId: p.sourceId,
    loginProfileChanged: digest !== undefined && applied !== undefined && loginProfileChanged(digest, applied.digest),
  });
  if (adopt && desired && current) delta = withMarkers(delta, p.channel, desired.sourceId, current.userName);
  if (!delta) {
    if (desired && digest && (!applied || applied.digest !== digest) && current) {
      const record = toApplied(p, current, applied, digest);
      await rt.state.putApplied(p.channel, [record], memoOf(desired, record), appliedMap);
    }
    await rt.ctx.runs.recordOutcome(p.runId, p.sourceId, "unchanged", {}, { keepDone: true });
    await rt.ctx.deadLetters.remove(p.channel, p.sourceId);
    return { outcome: "unchanged", calls: 0 };
  }
  if (channel.options.adopt && delta.kind === "create") delta.adopt = true;

  let result: ApplyOutcome;
  try {
    result = await rt.target(channel.target).applyUser(delta, current ?? undefined);
  } catch (err) {
    await settleFailure(rt, job, token, { ...p, target: channel.target, userName: delta.userName }, err, {
      onDeadLetter: () => rt.ctx.runs.recordOutcome(p.runId, p.sourceId, "dead_lettered", {}),
    });
    throw err;
  }

  // The outcome is recorded before applied state: a worker dying in between leaves a re-run that finds the
  // user already in IAM and still reports what this run did.
  const outcome = OUTCOME[delta.kind];
  const calls = Object.values(result.calls).reduce((a, b) => a + b, 0);
  await rt.ctx.runs.recordOutcome(p.runId, p.sourceId, outcome, result.calls);
  if (delta.kind === "delete" || !result.current) {
    await rt.state.deleteApplied(p.channel, [p.sourceId], appliedMap);
    await rt.state.deleteDesired(p.channel, [p.sourceId]);
  } else {
    const record = toApplied(p, result.current, applied, digest ?? applied?.digest ?? "");
    await rt.state.putApplied(p.channel, [record], memoOf(desired, record), appliedMap);
  }
  await Promise.all([
    rt.ctx.audit.append(p.channel, {
      runId: p.runId,
      sourceId: p.sourceId,
      userName: delta.userName,
      kind: delta.kind,
      fields: deltaFields(delta),
      ...(applied?.digest ? { beforeDigest: applied.digest } : {}),
      ...(digest ? { afterDigest: digest } : {}),
      calls,
      at: new Date().toISOString(),
    }),
    rt.ctx.deadLetters.remove(p.channel, p.sourceId),
  ]);
  rt.logger.info(
    {
      channel: p.channel,
      runId: p.runId,
      sourceId: p.sourceId,
      userName: delta.userName,
      change: delta.kind,
      fields: deltaFields(delta),
      calls,
    },
    "provisioned",
  );
  return { outcome, calls };
}

/** The desired state's memo, once applied state holds exactly it (see src/sync/memo.ts). */
function memoOf(desired: DesiredUser | null, record: AppliedUser): Map<string, string> {
  return desired?.memo && memoHolds(desired, record) ? new Map([[record.sourceId, desired.memo]]) : new Map();
}

function toApplied(
  p: ProvisionUserPayload,
  current: CurrentUser,
  before: AppliedUser | undefined,
  digest: string,
): AppliedUser {
  return {
    sourceId: p.sourceId,
    userName: current.userName,
    path: current.path,
    tags: current.tags,
    groups: current.groups,
    hasLoginProfile: current.hasLoginProfile ?? before?.hasLoginProfile ?? false,
    enabled: current.enabled,
    digest,
    appliedAt: new Date().toISOString(),
    runId: p.runId,
  };
}

export function startProvisionWorker(rt: Runtime, target: string): Worker {
  const worker: Worker = new Worker(
    provisionQueueName(target),
    async (job, token) => {
      if (job.name === PROVISION_USER_JOB) return processProvisionUser(rt, job, token, worker);
      if (job.name === PROVISION_GROUP_JOB) return processProvisionGroup(rt, job, token);
      throw new UnrecoverableError(`unknown job kind "${job.name}" in ${provisionQueueName(target)}`);
    },
    {
      connection: rt.ctx.workerConnection(),
      prefix: rt.ctx.prefix,
      concurrency: rt.config.provisioning.concurrency,
      settings: { backoffStrategy: backoffStrategy(rt.config.provisioning.backoffMs) },
      // A worker that died mid-job gives its jobs to another after this long without a lock renewal.
      lockDuration: rt.config.provisioning.stalledAfterMs,
      stalledInterval: Math.max(500, Math.round(rt.config.provisioning.stalledAfterMs / 2)),
      maxStalledCount: 5,
    },
  );
  worker.on("error", (err) => rt.logger.error({ err, queue: provisionQueueName(target) }, "provision worker error"));
  return worker;
}

import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { PermanentError } from "../src/errors/PermanentError.js";
import { ProvisioningError } from "../src/errors/ProvisioningError.js";
import type { Runtime } from "./runtime.js";

/**
 * What a failed provision job (user or group) does next, decided once for both kinds:
 * - auth: every call of the account would fail the same way, so the account stops, not the job: the
 *   target is marked unhealthy, its queue paused, the job delayed without spending an attempt;
 * - permanent, or transient on the last attempt: a dead letter with provenance, written before the job is
 *   marked failed (a permanent error skips the remaining attempts);
 * - otherwise: the caller rethrows and BullMQ retries with the jittered backoff.
 */
const AUTH_RECHECK_MS = 60_000;

export interface FailedSubject {
  channel: string;
  target: string;
  runId: string;
  /** A user's source id, or `group:<name>`. */
  sourceId: string;
  userName?: string;
}

export async function settleFailure(
  rt: Runtime,
  job: Job,
  token: string | undefined,
  subject: FailedSubject,
  err: unknown,
  opts: { onDeadLetter?: () => Promise<void> } = {},
): Promise<void> {
  const e = err instanceof ProvisioningError ? err : undefined;
  const kind = e?.kind ?? "transient";
  const code = e?.code ?? (err as Error)?.name ?? "Error";
  const message = (err as Error)?.message ?? String(err);
  if (kind === "auth") {
    await rt.ctx.health.markUnhealthy(subject.target, `${code}: ${message}`);
    await rt.ctx.provisionQueue(subject.target).pause();
    rt.logger.error(
      { target: subject.target, code },
      "target credentials rejected: queue paused until `provisioner target resume`",
    );
    if (token) {
      // `target resume` hands held jobs back at once; the delay is only the fallback recheck.
      if (job.id) await rt.ctx.health.holdJob(subject.target, job.id);
      await job.moveToDelayed(Date.now() + AUTH_RECHECK_MS, token);
      throw new DelayedError();
    }
    return;
  }
  const attempts = job.opts.attempts ?? 1;
  rt.logger.warn({ ...subject, code, kind, attempt: job.attemptsMade + 1, attempts }, "provision failed");
  if (kind !== "permanent" && job.attemptsMade + 1 < attempts) return;
  await rt.ctx.deadLetters.record({
    ...subject,
    sourceQueue: job.queueName,
    ...(job.id ? { sourceJobId: job.id } : {}),
    errorKind: kind,
    errorCode: code,
    message,
    attempts: job.attemptsMade + 1,
  });
  await opts.onDeadLetter?.();
  if (kind === "permanent") throw new UnrecoverableError(message);
}

/** A job whose channel left the configuration cannot succeed: a permanent failure of its own. */
export function channelGone(channel: string): PermanentError {
  return new PermanentError({
    code: "UnknownChannel",
    action: "provision",
    detail: `channel "${channel}" is no longer configured`,
  });
}

/**
 * The registry of job kinds: the single contract between producers (scheduler, CLI, dashboard, snapshot)
 * and workers. Every processor parses `job.data` with the schema registered here before anything else.
 *
 * Terminology: a *snapshot* job is one run of a channel; a *provision* job applies one user's (or group's)
 * latest desired state to one target; a *dead letter* keeps a job that cannot succeed, with its provenance.
 */
import type { z } from "zod";
import { DEAD_LETTER_JOB, deadLetterPayload } from "./dead-letter.js";
import { PROVISION_GROUP_JOB, provisionGroupPayload } from "./provision-group.js";
import { PROVISION_USER_JOB, provisionUserPayload } from "./provision-user.js";
import { SNAPSHOT_JOB, snapshotPayload } from "./snapshot.js";

export const jobSchemas = {
  [SNAPSHOT_JOB]: snapshotPayload,
  [PROVISION_USER_JOB]: provisionUserPayload,
  [PROVISION_GROUP_JOB]: provisionGroupPayload,
  [DEAD_LETTER_JOB]: deadLetterPayload,
} as const;

export type JobName = keyof typeof jobSchemas;
export type JobPayload<N extends JobName> = z.infer<(typeof jobSchemas)[N]>;

/** Parses a job's data against its kind's schema; a mismatch names the job kind and the field. */
export function parseJob<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const parsed = jobSchemas[name].safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`job ${name}: invalid data at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data as JobPayload<N>;
}

export * from "./dead-letter.js";
export * from "./provision-group.js";
export * from "./provision-user.js";
export * from "./retries.js";
export * from "./snapshot.js";

import { z } from "zod";
import { idPart, retryingJobOptions } from "./retries.js";

/**
 * `provision-user`: one per changed user, in the target's `provision-<target>` queue. Carries only ids:
 * the worker reads the latest desired state from the state store, so no secret ever sits in job data.
 */
export const PROVISION_USER_JOB = "provision-user" as const;

export const provisionUserPayload = z
  .object({
    channel: z.string().min(1),
    runId: z.string().min(1),
    sourceId: z.string().min(1),
  })
  .strict();

export type ProvisionUserPayload = z.infer<typeof provisionUserPayload>;

export function provisionUserDefaults(attempts = 8, backoffMs = 7_000) {
  return retryingJobOptions(attempts, backoffMs, 10_000);
}

/** One job id per (run, user): re-adding the same user in the same run is a no-op. */
export function provisionUserJobId(p: ProvisionUserPayload): string {
  return `${p.channel}.${p.runId}.${idPart(p.sourceId)}`;
}

/**
 * The bulk entries for one run's users, each a child of the run's snapshot job (BullMQ step jobs: the
 * snapshot's finaliser runs once every child is done).
 */
export function provisionUserChildren(
  users: readonly ProvisionUserPayload[],
  defaults: ReturnType<typeof provisionUserDefaults>,
  parent: { id: string; queue: string },
) {
  return users.map((data) => ({
    name: PROVISION_USER_JOB,
    data,
    opts: { ...defaults, jobId: provisionUserJobId(data), parent },
  }));
}

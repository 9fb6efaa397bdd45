import { z } from "zod";

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

/**
 * Retries of transient failures: 8 attempts, jittered exponential backoff from 7 s (≈ 15 minutes in all).
 * Throttling does not consume attempts; permanent errors skip the rest.
 */
export function provisionUserDefaults(attempts = 8, backoffMs = 7_000) {
  return {
    attempts,
    backoff: { type: "jittered", delay: backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    // A dead-lettered child must not hold its snapshot in waiting-children forever.
    ignoreDependencyOnFailure: true,
  } as const;
}

/** One job id per (run, user): re-adding the same user in the same run is a no-op. */
export function provisionUserJobId(p: ProvisionUserPayload): string {
  return `${p.channel}.${p.runId}.${Buffer.from(p.sourceId).toString("base64url")}`;
}

/**
 * Retry options every provision job shares: attempts with the `jittered` backoff the workers register
 * (defaults: 8 attempts from 7 s, ≈ 15 minutes in all). Throttling does not consume attempts; permanent
 * errors skip the rest.
 */
export function retryingJobOptions(attempts = 8, backoffMs = 7_000, keep = 10_000) {
  return {
    attempts,
    backoff: { type: "jittered", delay: backoffMs },
    removeOnComplete: { age: 24 * 3600, count: keep },
    removeOnFail: { age: 7 * 24 * 3600, count: keep },
    // A dead-lettered child must not hold its snapshot in waiting-children forever.
    ignoreDependencyOnFailure: true,
  } as const;
}

/** A job id part that any string (source id, group name) can be: base64url. */
export function idPart(text: string): string {
  return Buffer.from(text).toString("base64url");
}

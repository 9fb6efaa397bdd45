/**
 * Exponential backoff with full jitter around the doubling delay, so a burst of failures (an IAM outage)
 * does not come back as a synchronised burst. Registered on every worker as the `jittered` strategy.
 * With the defaults (7 s, 8 attempts) the seven waits add up to about 15 minutes.
 */
export const MAX_BACKOFF_MS = 10 * 60_000;

export function jitteredDelay(attemptsMade: number, baseMs: number, random: () => number = Math.random): number {
  const exp = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = exp * (0.5 + random());
  return Math.round(Math.min(MAX_BACKOFF_MS, jittered));
}

/** BullMQ's `settings.backoffStrategy`: (attemptsMade, type, err, job) → delay. */
export function backoffStrategy(defaultBaseMs: number) {
  return (attemptsMade: number, type?: string, _err?: Error, job?: { opts?: { backoff?: unknown } }): number => {
    const opts = job?.opts?.backoff;
    const base =
      typeof opts === "object" && opts && "delay" in opts ? Number((opts as { delay: number }).delay) : defaultBaseMs;
    if (type && type !== "jittered") return base;
    return jitteredDelay(attemptsMade, base);
  };
}

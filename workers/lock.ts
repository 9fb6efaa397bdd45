import type { Redis } from "ioredis";

/**
 * At most one run per channel at a time, whoever started it (scheduler, CLI, dashboard). Deduplication
 * keeps a second snapshot from being queued through `requestRun`; this lock also covers scheduler-made
 * jobs and survives a worker's death, because a re-run of the same run finds its own id in the lock.
 */
const TTL_MS = 6 * 3600_000;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class ChannelLock {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    channel: string,
  ) {
    this.key = `${prefix}:lock:channel:${channel}`;
  }

  /** Takes the lock for a run (or keeps it, for the same run); returns the run that holds it. */
  async acquire(runId: string): Promise<string> {
    const ok = await this.redis.set(this.key, runId, "PX", TTL_MS, "NX");
    if (ok) return runId;
    const holder = await this.redis.get(this.key);
    if (holder === runId) await this.redis.pexpire(this.key, TTL_MS);
    return holder ?? (await this.acquire(runId));
  }

  async release(runId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, runId);
  }

  async holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}

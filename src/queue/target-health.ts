import type { Redis } from "ioredis";
import { keys } from "./names.js";

/** Whether a target's credentials work; an auth failure pauses its queue until an operator resumes it. */
export interface TargetHealth {
  target: string;
  healthy: boolean;
  reason?: string;
  since: string;
}

export class TargetHealthStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async markUnhealthy(target: string, reason: string): Promise<void> {
    const h: TargetHealth = { target, healthy: false, reason, since: new Date().toISOString() };
    await this.redis.hset(keys.targetHealth(this.prefix), target, JSON.stringify(h));
  }

  async markHealthy(target: string): Promise<void> {
    const h: TargetHealth = { target, healthy: true, since: new Date().toISOString() };
    await this.redis.hset(keys.targetHealth(this.prefix), target, JSON.stringify(h));
  }

  /** Remembers a job set aside (delayed) because the target's credentials were rejected. */
  async holdJob(target: string, jobId: string): Promise<void> {
    await this.redis.sadd(keys.heldJobs(this.prefix, target), jobId);
  }

  /** The jobs set aside while the target was unhealthy, forgotten as they are handed back. */
  async takeHeldJobs(target: string): Promise<string[]> {
    const [[, ids]] = ((await this.redis
      .multi()
      .smembers(keys.heldJobs(this.prefix, target))
      .del(keys.heldJobs(this.prefix, target))
      .exec()) ?? [[null, []]]) as [[Error | null, string[]]];
    return ids ?? [];
  }

  async get(target: string): Promise<TargetHealth> {
    const raw = await this.redis.hget(keys.targetHealth(this.prefix), target);
    return raw ? (JSON.parse(raw) as TargetHealth) : { target, healthy: true, since: "" };
  }

  async all(targets: readonly string[]): Promise<TargetHealth[]> {
    return Promise.all(targets.map((t) => this.get(t)));
  }
}

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

  async get(target: string): Promise<TargetHealth> {
    const raw = await this.redis.hget(keys.targetHealth(this.prefix), target);
    return raw ? (JSON.parse(raw) as TargetHealth) : { target, healthy: true, since: "" };
  }

  async all(targets: readonly string[]): Promise<TargetHealth[]> {
    return Promise.all(targets.map((t) => this.get(t)));
  }
}

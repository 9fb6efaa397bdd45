import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { AuditLog } from "./audit.js";
import { type ConnectionRole, createRedis } from "./connection.js";
import { DeadLetters } from "./dead-letters.js";
import { provisionQueueName, SNAPSHOT_QUEUE } from "./names.js";
import { RedisCallBudget } from "./rate-limiter.js";
import { RunStore } from "./runs.js";
import { TargetHealthStore } from "./target-health.js";

/**
 * What every process role shares: one Redis connection for state and producers, the stores built on it,
 * and the queues by name. Workers open their own blocking connections (BullMQ needs one per worker).
 */
export class QueueContext {
  readonly redis: Redis;
  readonly prefix: string;
  readonly runs: RunStore;
  readonly audit: AuditLog;
  readonly health: TargetHealthStore;
  readonly deadLetters: DeadLetters;
  readonly snapshotQueue: Queue;
  private readonly provisionQueues = new Map<string, Queue>();
  private readonly budgets = new Map<string, RedisCallBudget>();

  constructor(
    readonly config: Config,
    role: ConnectionRole = "producer",
  ) {
    this.redis = createRedis(config.redis.url, role);
    this.prefix = config.redis.prefix;
    this.runs = new RunStore(this.redis, this.prefix);
    this.audit = new AuditLog(this.redis, this.prefix);
    this.health = new TargetHealthStore(this.redis, this.prefix);
    this.deadLetters = new DeadLetters(this.redis, this.prefix);
    this.snapshotQueue = new Queue(SNAPSHOT_QUEUE, { connection: this.redis, prefix: this.prefix });
  }

  /** A new connection for a BullMQ Worker (blocking commands need their own). */
  workerConnection(): Redis {
    return createRedis(this.config.redis.url, "worker");
  }

  provisionQueue(target: string): Queue {
    let q = this.provisionQueues.get(target);
    if (!q) {
      q = new Queue(provisionQueueName(target), { connection: this.redis, prefix: this.prefix });
      this.provisionQueues.set(target, q);
    }
    return q;
  }

  /** Every queue of the configuration, for the dashboard and `status`. */
  allQueues(): Queue[] {
    return [
      this.snapshotQueue,
      ...Object.keys(this.config.targets).map((t) => this.provisionQueue(t)),
      this.deadLetters.queue,
    ];
  }

  budget(target: string): RedisCallBudget {
    let b = this.budgets.get(target);
    if (!b) {
      const t = this.config.targets[target];
      if (!t) throw new Error(`unknown target "${target}"`);
      b = new RedisCallBudget(this.redis, this.prefix, target, t);
      this.budgets.set(target, b);
    }
    return b;
  }

  async close(): Promise<void> {
    await Promise.all([
      this.snapshotQueue.close(),
      this.deadLetters.close(),
      ...[...this.provisionQueues.values()].map((q) => q.close()),
    ]);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

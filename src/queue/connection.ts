import { Redis, type RedisOptions } from "ioredis";

/**
 * Redis connections shaped for BullMQ's two kinds of client:
 * - a worker's blocking connection must never give up on a command (`maxRetriesPerRequest: null`), or a
 *   Redis blip makes the worker throw and stop fetching jobs;
 * - a producer (CLI, dashboard, API) must fail fast, so an operator sees "Redis unreachable" instead of a hang.
 */
export type ConnectionRole = "worker" | "producer";

export function redisOptions(role: ConnectionRole): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: false,
    enableReadyCheck: true,
    connectionName: `provisioner-${role}`,
    // Exponential reconnect, capped: Redis restarts (AOF reload) take seconds, not minutes.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 2_000),
  };
  return role === "worker"
    ? { ...common, maxRetriesPerRequest: null, enableOfflineQueue: true }
    : { ...common, maxRetriesPerRequest: 1, connectTimeout: 5_000 };
}

export function createRedis(url: string, role: ConnectionRole, onError?: (err: Error) => void): Redis {
  const redis = new Redis(url, redisOptions(role));
  // ioredis reconnects on its own and fails the commands in flight; an unlistened "error" event would
  // only print a stack per reconnect attempt while Redis restarts.
  redis.on("error", onError ?? (() => {}));
  return redis;
}

/** Resolves when the connection is ready, or rejects naming the URL without its password. */
export async function waitReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis at ${redactUrl(String(redis.options.host))}:${redis.options.port} is unreachable`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off("ready", onReady);
    };
    redis.on("ready", onReady);
  });
}

/** A URL safe to print: the password is replaced. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
}

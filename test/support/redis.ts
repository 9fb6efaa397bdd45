import { Redis } from "ioredis";

/** Deletes every key of a prefix (a pipeline's queues, state, runs and budgets). */
export async function clearPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let removed = 0;
  try {
    let cursor = "0";
    do {
      const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (batch.length) removed += await redis.unlink(...batch);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return removed;
}

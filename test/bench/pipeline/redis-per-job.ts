/**
 * Scenario 4b: Redis memory per queued provision job. Jobs exactly as the snapshot fans them out (payload
 * {channel, runId, sourceId}, the same options, job id and parent) go into a paused queue under a fresh
 * prefix; INFO memory's used_memory before and after, divided by the count. Everything is removed after.
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { provisionUserChildren, provisionUserDefaults, SNAPSHOT_JOB, snapshotDefaults } from "../../../jobs/index.js";
import { newRunId } from "../../../src/queue/control.js";
import { provisionQueueName, SNAPSHOT_QUEUE } from "../../../src/queue/names.js";
import { uniqueName } from "../../support/env.js";
import { clearPrefix } from "./common.js";

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

export interface RedisPerJobResult {
  jobs: number;
  bytesPerJob: number;
  samples: number[];
  keysPerJob: number;
}

export async function redisPerJob(
  p: { jobs: number; repeats: number },
  redisUrl: string,
  log: (s: string) => void,
): Promise<RedisPerJobResult> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const samples: number[] = [];
  let keysPerJob = 0;
  try {
    for (let rep = 0; rep < p.repeats; rep++) {
      const prefix = `{${uniqueName("bench-jobs")}}`;
      const snapshots = new Queue(SNAPSHOT_QUEUE, { connection: redis, prefix });
      const provision = new Queue(provisionQueueName("acct"), { connection: redis, prefix });
      try {
        await snapshots.pause();
        await provision.pause();
        const channel = "staff";
        const runId = newRunId(channel);
        const parent = await snapshots.add(
          SNAPSHOT_JOB,
          { channel, runId, mode: "incremental", trigger: "cli", allowDeletions: false, step: "plan" },
          { ...snapshotDefaults, jobId: runId },
        );
        const defaults = provisionUserDefaults(8, 7_000);
        const dbBefore = await redis.dbsize();
        const before = await usedMemory(redis);
        for (let i = 0; i < p.jobs; i += 1_000) {
          const users = Array.from({ length: Math.min(1_000, p.jobs - i) }, () => ({
            channel,
            runId,
            sourceId: randomUUID(),
          }));
          // Exactly what the snapshot adds.
          await provision.addBulk(
            provisionUserChildren(users, defaults, { id: parent.id as string, queue: parent.queueQualifiedName }),
          );
        }
        const after = await usedMemory(redis);
        keysPerJob = ((await redis.dbsize()) - dbBefore) / p.jobs;
        samples.push((after - before) / p.jobs);
        log(`  ${p.jobs} jobs: ${((after - before) / p.jobs).toFixed(0)} bytes/job`);
      } finally {
        await provision.close();
        await snapshots.close();
        await clearPrefix(redisUrl, prefix);
      }
    }
  } finally {
    redis.disconnect();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    jobs: p.jobs,
    bytesPerJob: Math.round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN),
    samples: samples.map(Math.round),
    keysPerJob: +keysPerJob.toFixed(2),
  };
}

import { type Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import {
  DEAD_LETTER_JOB,
  type DeadLetterPayload,
  deadLetterDefaults,
  deadLetterJobId,
  deadLetterPayload,
} from "../../jobs/dead-letter.js";
import { DEAD_LETTER_QUEUE } from "./names.js";

export interface DeadLetter extends DeadLetterPayload {
  jobId: string;
}

/**
 * The dead-letter queue: entries no worker ever takes. One entry per (channel, user); a later failure of the
 * same user keeps the first failure time and counts on. Written before the failing job is marked failed, so a
 * crash in between leaves a dead letter and a retry, never neither.
 */
export class DeadLetters {
  readonly queue: Queue;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue(DEAD_LETTER_QUEUE, { connection, prefix });
  }

  async record(
    entry: Omit<DeadLetterPayload, "firstFailedAt" | "lastFailedAt"> & { failedAt?: string },
  ): Promise<DeadLetter> {
    const id = deadLetterJobId(entry.channel, entry.sourceId);
    const now = entry.failedAt ?? new Date().toISOString();
    const { failedAt: _ignored, ...rest } = entry;
    const existing = (await this.queue.getJob(id)) as Job<DeadLetterPayload> | undefined;
    const payload = deadLetterPayload.parse({
      ...rest,
      firstFailedAt: existing?.data.firstFailedAt ?? now,
      lastFailedAt: now,
    });
    if (existing) {
      await existing.updateData(payload);
    } else {
      await this.queue.add(DEAD_LETTER_JOB, payload, { ...deadLetterDefaults, jobId: id });
    }
    return { ...payload, jobId: id };
  }

  async get(channel: string, sourceId: string): Promise<DeadLetter | undefined> {
    const job = (await this.queue.getJob(deadLetterJobId(channel, sourceId))) as Job<DeadLetterPayload> | undefined;
    return job?.id ? { ...job.data, jobId: job.id } : undefined;
  }

  /** Removes one entry (a successful replay, or a purge); true when there was one. */
  async remove(channel: string, sourceId: string): Promise<boolean> {
    const job = await this.queue.getJob(deadLetterJobId(channel, sourceId));
    if (!job) return false;
    await job.remove();
    return true;
  }

  async list(filter: { channel?: string; reason?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const jobs = (await this.queue.getJobs(
      ["waiting", "paused", "prioritized", "delayed"],
      0,
      -1,
      true,
    )) as Job<DeadLetterPayload>[];
    const reason = filter.reason?.toLowerCase();
    const out: DeadLetter[] = [];
    for (const job of jobs) {
      if (!job?.id) continue;
      const d = job.data;
      if (filter.channel && d.channel !== filter.channel) continue;
      if (reason && !`${d.errorCode} ${d.message}`.toLowerCase().includes(reason)) continue;
      out.push({ ...d, jobId: job.id });
      if (filter.limit && out.length >= filter.limit) break;
    }
    return out;
  }

  async count(channel?: string): Promise<number> {
    if (!channel) return this.queue.getJobCountByTypes("waiting", "paused", "prioritized", "delayed");
    return (await this.list({ channel })).length;
  }

  /** Removes every entry of a channel (or all); returns how many. */
  async purge(channel?: string): Promise<number> {
    const entries = await this.list(channel ? { channel } : {});
    await Promise.all(entries.map((e) => this.queue.remove(e.jobId)));
    return entries.length;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

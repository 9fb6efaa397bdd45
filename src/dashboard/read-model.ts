import { provisionUserJobId } from "../../jobs/provision-user.js";
import type { AuditEvent } from "../queue/audit.js";
import type { QueueContext } from "../queue/context.js";
import type { DeadLetter } from "../queue/dead-letters.js";
import { DEAD_LETTER_QUEUE, provisionQueueName, SNAPSHOT_QUEUE } from "../queue/names.js";
import type { BudgetStatus } from "../queue/rate-limiter.js";
import type { RunRecord, UserOutcome } from "../queue/runs.js";
import type { TargetHealth } from "../queue/target-health.js";
import type { AppliedUser } from "../types.js";
import { type NextRun, nextRuns } from "./schedule.js";
import { publicDesired, type UserLookup } from "./user-lookup.js";

/**
 * What the pages and the JSON API show, gathered once: both render the same objects, so the API is the
 * page's data and neither can show something the other hides. Nothing here holds a secret.
 */
export const QUEUES_PATH = "/queues";

export function jobUrl(queue: string, jobId: string): string {
  return `${QUEUES_PATH}/queue/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}`;
}

export interface ChannelOverview {
  name: string;
  active: boolean;
  target: string;
  schedule: { incremental?: string | number; full?: string; timezone: string };
  lastRun: RunRecord | null;
  nextRuns: NextRun[];
  deadLetters: number;
  targetHealth: TargetHealth;
}

function countByChannel(deadLetters: DeadLetter[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deadLetters) counts.set(d.channel, (counts.get(d.channel) ?? 0) + 1);
  return counts;
}

export async function channelsOverview(ctx: QueueContext, now = new Date()): Promise<ChannelOverview[]> {
  const channels = Object.values(ctx.config.channels);
  const [deadLetters, health] = await Promise.all([
    ctx.deadLetters.list(),
    ctx.health.all(Object.keys(ctx.config.targets)),
  ]);
  const dlCounts = countByChannel(deadLetters);
  const healthOf = new Map(health.map((h) => [h.target, h]));
  return Promise.all(
    channels.map(async (c) => {
      const lastRun = (await ctx.runs.latest(c.name)) ?? null;
      const { incremental, full, timezone } = c.schedule;
      return {
        name: c.name,
        active: c.active,
        target: c.target,
        schedule: { ...(incremental !== undefined ? { incremental } : {}), ...(full ? { full } : {}), timezone },
        lastRun,
        nextRuns: nextRuns(c, lastRun ?? undefined, now),
        deadLetters: dlCounts.get(c.name) ?? 0,
        targetHealth: healthOf.get(c.target) ?? { target: c.target, healthy: true, since: "" },
      };
    }),
  );
}

export async function runsOf(ctx: QueueContext, channel: string | undefined, limit = 50): Promise<RunRecord[]> {
  const names = channel ? [channel] : Object.keys(ctx.config.channels);
  const lists = await Promise.all(names.map((c) => ctx.runs.list(c, limit)));
  return lists
    .flat()
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    .slice(0, limit);
}

export interface FailedUser {
  sourceId: string;
  outcome: UserOutcome;
  userName?: string;
  reason: string;
  errorKind?: string;
  errorCode?: string;
  attempts?: number;
  /** The dead letter, while it is still there (a replay that succeeded removes it). */
  deadLetterId?: string;
  deadLetterUrl?: string;
  jobUrl?: string;
}

export interface RunDetail {
  run: RunRecord;
  failedUsers: FailedUser[];
  links: { snapshotJob?: string; provisionQueue: string; deadLetterQueue: string };
}

const FAILED: readonly string[] = ["dead_lettered", "invalid"];

export async function runDetail(ctx: QueueContext, runId: string): Promise<RunDetail | undefined> {
  const run = await ctx.runs.get(runId);
  if (!run) return undefined;
  const outcomes = await ctx.runs.outcomes(runId);
  const failed = Object.entries(outcomes).filter(([, o]) => FAILED.includes(o));
  const provisionQueue = provisionQueueName(run.target);
  const failedUsers = await Promise.all(
    failed.map(async ([sourceId, outcome]): Promise<FailedUser> => {
      const dl = await ctx.deadLetters.get(run.channel, sourceId);
      const isGroup = sourceId.startsWith("group:");
      const fromProvision = outcome === "dead_lettered" && !isGroup;
      return {
        sourceId,
        outcome,
        ...(dl?.userName ? { userName: dl.userName } : {}),
        reason: dl
          ? `${dl.errorCode}: ${dl.message}`
          : outcome === "invalid"
            ? "invalid at plan time"
            : "dead letter replayed or purged",
        ...(dl
          ? {
              errorKind: dl.errorKind,
              errorCode: dl.errorCode,
              attempts: dl.attempts,
              deadLetterId: dl.jobId,
              deadLetterUrl: jobUrl(DEAD_LETTER_QUEUE, dl.jobId),
            }
          : {}),
        ...(fromProvision
          ? { jobUrl: jobUrl(provisionQueue, provisionUserJobId({ channel: run.channel, runId, sourceId })) }
          : {}),
      };
    }),
  );
  failedUsers.sort((a, b) => a.sourceId.localeCompare(b.sourceId));
  return {
    run,
    failedUsers,
    links: {
      ...(run.snapshotJobId ? { snapshotJob: jobUrl(SNAPSHOT_QUEUE, run.snapshotJobId) } : {}),
      provisionQueue: `${QUEUES_PATH}/queue/${encodeURIComponent(provisionQueue)}`,
      deadLetterQueue: `${QUEUES_PATH}/queue/${encodeURIComponent(DEAD_LETTER_QUEUE)}`,
    },
  };
}

export interface DeadLetterView extends DeadLetter {
  url: string;
}

export async function deadLetters(
  ctx: QueueContext,
  filter: { channel?: string; reason?: string },
): Promise<DeadLetterView[]> {
  const list = await ctx.deadLetters.list(filter);
  return list
    .map((d) => ({ ...d, url: jobUrl(DEAD_LETTER_QUEUE, d.jobId) }))
    .sort((a, b) => b.lastFailedAt.localeCompare(a.lastFailedAt));
}

export interface UserView {
  channel: string;
  sourceId: string;
  userName?: string;
  desired: ReturnType<typeof publicDesired> | null;
  applied: AppliedUser | null;
  deadLetter: DeadLetterView | null;
  history: AuditEvent[];
}

export async function usersMatching(ctx: QueueContext, lookup: UserLookup, query: string): Promise<UserView[]> {
  if (!query.trim()) return [];
  const matches = await lookup.find(query);
  return Promise.all(
    matches.map(async (m) => {
      const [dl, history] = await Promise.all([
        ctx.deadLetters.get(m.channel, m.sourceId),
        ctx.audit.recent(m.channel, { sourceId: m.sourceId, limit: 50 }),
      ]);
      const userName = m.userName ?? m.applied?.userName ?? m.desired?.userName ?? history[0]?.userName;
      return {
        channel: m.channel,
        sourceId: m.sourceId,
        ...(userName ? { userName } : {}),
        desired: m.desired ? publicDesired(m.desired) : null,
        applied: m.applied ?? null,
        deadLetter: dl ? { ...dl, url: jobUrl(DEAD_LETTER_QUEUE, dl.jobId) } : null,
        history,
      };
    }),
  );
}

export interface TargetView {
  name: string;
  type: string;
  health: TargetHealth;
  budget: BudgetStatus;
  paused: boolean;
  queue: string;
  channels: string[];
}

export async function targetsOverview(ctx: QueueContext): Promise<TargetView[]> {
  return Promise.all(
    Object.entries(ctx.config.targets).map(async ([name, t]) => {
      const [health, budget, paused] = await Promise.all([
        ctx.health.get(name),
        ctx.budget(name).status(),
        ctx.provisionQueue(name).isPaused(),
      ]);
      return {
        name,
        type: t.type,
        health,
        budget,
        paused,
        queue: provisionQueueName(name),
        channels: Object.values(ctx.config.channels)
          .filter((c) => c.target === name)
          .map((c) => c.name),
      };
    }),
  );
}

import type { Redis } from "ioredis";
import { chunks } from "../chunks.js";
import type { CurrentUser, RunMode } from "../types.js";
import { keys } from "./names.js";

/**
 * Run records: what operators see of one execution of a channel. A run's per-user outcomes are a hash
 * keyed by source id, so a provision job that runs twice (a worker died after applying) counts once.
 */
export type RunStatus = "running" | "completed" | "completed_with_failures" | "blocked" | "failed";
export type RunTrigger = "schedule" | "cli" | "dashboard" | "api";
/** Outcomes of one user in a run. */
export type UserOutcome =
  | "created"
  | "updated"
  | "disabled"
  | "enabled"
  | "deleted"
  | "unchanged"
  | "skipped"
  | "invalid"
  | "dead_lettered";

/** What a full run saw in AWS for one changed user; `adopt` when it is an unmanaged user the plan takes over. */
export type RunCurrent = CurrentUser & { adopt?: boolean };

export interface RunRecord {
  id: string;
  channel: string;
  target: string;
  mode: RunMode;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  /** Why the run is blocked or failed. */
  reasons: string[];
  /** Users planned into provision jobs. */
  planned: number;
  /** People in scope the plan found with nothing to change. */
  unchanged?: number;
  /** Of those, how many an incremental run skipped on their memo, without mapping them again. */
  skippedOnMemo?: number;
  /** Users whose provision job finished (either way). */
  finished: number;
  counts: Partial<Record<UserOutcome, number>>;
  groups: Record<string, number>;
  calls: Record<string, number>;
  /** The snapshot job, for links to bull-board. */
  snapshotJobId?: string;
}

export type RunSummary = Pick<
  RunRecord,
  "id" | "channel" | "target" | "mode" | "status" | "startedAt" | "durationMs" | "calls"
>;

const RUN_TTL_SECONDS = 90 * 24 * 3600;
const RUNS_KEPT_PER_CHANNEL = 500;

/**
 * Sets per-user outcomes (pairs after ARGV[1]) and keeps a count per outcome in the run's hash, so a run is
 * read without its per-user hash. With ARGV[1] = "1" an outcome already recorded stays (keepDone).
 */
const SET_OUTCOMES = `local keep = ARGV[1] == '1'
for i = 2, #ARGV, 2 do
  local id, new = ARGV[i], ARGV[i + 1]
  local old = redis.call('HGET', KEYS[1], id)
  if old ~= new and not (keep and old and old ~= 'pending') then
    redis.call('HSET', KEYS[1], id, new)
    if old then redis.call('HINCRBY', KEYS[2], 'count:' .. old, -1) end
    redis.call('HINCRBY', KEYS[2], 'count:' .. new, 1)
  end
end
return 1`;

export const TERMINAL: readonly RunStatus[] = ["completed", "completed_with_failures", "blocked", "failed"];

export class RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string) {
    return keys.run(this.prefix, id);
  }

  private outcomesKey(id: string) {
    return `${this.key(id)}:outcomes`;
  }

  /** Opens a run's record; a record that exists already (the snapshot's second step, a retry) stays as it is. */
  async create(
    run: Pick<RunRecord, "id" | "channel" | "target" | "mode" | "trigger"> & { snapshotJobId?: string },
  ): Promise<void> {
    if (await this.redis.exists(this.key(run.id))) return;
    await this.redis
      .multi()
      .hset(this.key(run.id), {
        id: run.id,
        channel: run.channel,
        target: run.target,
        mode: run.mode,
        trigger: run.trigger,
        status: "running",
        startedAt: new Date().toISOString(),
        reasons: "[]",
        planned: 0,
        snapshotJobId: run.snapshotJobId ?? "",
      })
      .expire(this.key(run.id), RUN_TTL_SECONDS)
      .zadd(keys.runs(this.prefix, run.channel), Date.now(), run.id)
      .zremrangebyrank(keys.runs(this.prefix, run.channel), 0, -RUNS_KEPT_PER_CHANNEL - 1)
      .exec();
  }

  async setPlanned(
    id: string,
    planned: number,
    preOutcomes: Record<string, UserOutcome | "pending">,
    unchanged?: { unchanged: number; skippedOnMemo: number },
  ): Promise<void> {
    const m = this.redis.multi().hset(this.key(id), "planned", planned);
    if (unchanged) m.hset(this.key(id), unchanged);
    for (const part of chunks(Object.entries(preOutcomes), 1_000)) {
      m.eval(SET_OUTCOMES, 2, this.outcomesKey(id), this.key(id), "0", ...part.flat());
    }
    await m.expire(this.outcomesKey(id), RUN_TTL_SECONDS).exec();
  }

  /**
   * Records one user's outcome and the IAM calls it cost; idempotent per (run, user). With `keepDone`, an
   * outcome already recorded stays: a job re-run after its worker died finds nothing left to do, and the
   * user was still created (or updated) by this run, not "unchanged".
   */
  async recordOutcome(
    id: string,
    sourceId: string,
    outcome: UserOutcome,
    calls: Record<string, number>,
    opts: { keepDone?: boolean } = {},
  ): Promise<void> {
    const m = this.redis
      .multi()
      .eval(SET_OUTCOMES, 2, this.outcomesKey(id), this.key(id), opts.keepDone ? "1" : "0", sourceId, outcome);
    for (const [action, n] of Object.entries(calls)) if (n > 0) m.hincrby(this.key(id), `call:${action}`, n);
    await m.exec();
  }

  async addCalls(id: string, calls: Record<string, number>): Promise<void> {
    const m = this.redis.multi();
    for (const [action, n] of Object.entries(calls)) if (n > 0) m.hincrby(this.key(id), `call:${action}`, n);
    await m.exec();
  }

  async recordGroup(id: string, kind: string): Promise<void> {
    await this.redis.hincrby(this.key(id), `group:${kind}`, 1);
  }

  async finish(id: string, status: RunStatus, reasons: string[] = []): Promise<void> {
    const startedAt = await this.redis.hget(this.key(id), "startedAt");
    if (startedAt === null) return;
    const endedAt = new Date();
    await this.redis.hset(this.key(id), {
      status,
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - Date.parse(startedAt),
      reasons: JSON.stringify(reasons),
    });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const h = await this.redis.hgetall(this.key(id));
    const run = fromHash(h);
    if (!run) return undefined;
    // Runs recorded before outcomes were counted in the run's hash are counted from the per-user hash.
    const hasCounts = Object.keys(h).some((k) => k.startsWith("count:"));
    return hasCounts ? run : { ...run, ...(await this.outcomeCounts(id)) };
  }

  /**
   * What a full run saw in AWS for each user it changed: the provision job diffs against it instead of
   * applied state, which a full run exists to distrust. Names, paths, tags and groups only: no secret.
   */
  async putCurrent(id: string, current: ReadonlyMap<string, RunCurrent>): Promise<void> {
    const key = `${this.key(id)}:current`;
    for (const part of chunks([...current.entries()], 1_000)) {
      const fields = Object.fromEntries(part.map(([k, v]) => [k, JSON.stringify(v)]));
      await this.redis
        .multi()
        .hset(key, fields)
        .expire(key, 7 * 24 * 3600)
        .exec();
    }
  }

  async getCurrent(id: string, sourceId: string): Promise<RunCurrent | undefined> {
    const raw = await this.redis.hget(`${this.key(id)}:current`, sourceId);
    return raw ? (JSON.parse(raw) as RunCurrent) : undefined;
  }

  /** Group deletions a run's finaliser must make, kept between the snapshot's two steps. */
  async putPendingGroupDeletes(id: string, groups: { groupName: string; path: string }[]): Promise<void> {
    await this.redis.set(`${this.key(id)}:groupDeletes`, JSON.stringify(groups), "EX", 7 * 24 * 3600);
  }

  async takePendingGroupDeletes(id: string): Promise<{ groupName: string; path: string }[]> {
    const raw = await this.redis.get(`${this.key(id)}:groupDeletes`);
    return raw ? JSON.parse(raw) : [];
  }

  /** Per-user outcomes of a run (for the run page: which users failed). */
  async outcomes(id: string): Promise<Record<string, UserOutcome>> {
    return (await this.redis.hgetall(this.outcomesKey(id))) as Record<string, UserOutcome>;
  }

  private async outcomeCounts(id: string): Promise<{ counts: Partial<Record<UserOutcome, number>>; finished: number }> {
    const values = await this.redis.hvals(this.outcomesKey(id));
    const counts: Partial<Record<UserOutcome, number>> = {};
    let finished = 0;
    for (const v of values) {
      counts[v as UserOutcome] = (counts[v as UserOutcome] ?? 0) + 1;
      if (v !== "pending") finished += 1;
    }
    delete (counts as Record<string, number>).pending;
    return { counts, finished };
  }

  /** Newest first. */
  async list(channel: string, limit = 20): Promise<RunRecord[]> {
    const ids = await this.redis.zrevrange(keys.runs(this.prefix, channel), 0, limit - 1);
    const runs = await Promise.all(ids.map((id) => this.get(id)));
    return runs.filter((r): r is RunRecord => r !== undefined);
  }

  /** Recent runs without per-user outcomes (cheap enough for every /metrics scrape), newest first. */
  async summaries(channel: string, limit = 50): Promise<RunSummary[]> {
    const ids = await this.redis.zrevrange(keys.runs(this.prefix, channel), 0, limit - 1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const rows = (await pipeline.exec()) ?? [];
    const out: RunSummary[] = [];
    for (const [err, value] of rows) {
      const run = err ? undefined : fromHash((value ?? {}) as Record<string, string>);
      if (!run) continue;
      const { id, target, status, mode, startedAt, durationMs, calls } = run;
      out.push({
        id,
        channel,
        target,
        status,
        mode,
        startedAt,
        ...(durationMs !== undefined ? { durationMs } : {}),
        calls,
      });
    }
    return out;
  }

  async latest(channel: string): Promise<RunRecord | undefined> {
    return (await this.list(channel, 1))[0];
  }
}

/** A run record from its Redis hash, without the per-user outcome counts (kept in their own hash). */
function fromHash(h: Record<string, string>): RunRecord | undefined {
  if (!h.id) return undefined;
  const calls: Record<string, number> = {};
  const groups: Record<string, number> = {};
  const counts: Partial<Record<UserOutcome, number>> = {};
  let finished = 0;
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith("call:")) calls[k.slice(5)] = Number(v);
    if (k.startsWith("group:")) groups[k.slice(6)] = Number(v);
    if (k.startsWith("count:") && Number(v) > 0) {
      const outcome = k.slice(6) as UserOutcome | "pending";
      if (outcome === "pending") continue;
      counts[outcome] = Number(v);
      finished += Number(v);
    }
  }
  return {
    id: h.id,
    channel: h.channel ?? "",
    target: h.target ?? "",
    mode: (h.mode ?? "incremental") as RunMode,
    trigger: (h.trigger ?? "cli") as RunTrigger,
    status: (h.status ?? "running") as RunStatus,
    startedAt: h.startedAt ?? "",
    ...(h.endedAt ? { endedAt: h.endedAt, durationMs: Number(h.durationMs) } : {}),
    reasons: JSON.parse(h.reasons ?? "[]"),
    planned: Number(h.planned ?? 0),
    ...(h.unchanged !== undefined ? { unchanged: Number(h.unchanged) } : {}),
    ...(h.skippedOnMemo !== undefined ? { skippedOnMemo: Number(h.skippedOnMemo) } : {}),
    finished,
    counts,
    groups,
    calls,
    ...(h.snapshotJobId ? { snapshotJobId: h.snapshotJobId } : {}),
  };
}

import type { Redis } from "ioredis";
import { chunks } from "../chunks.js";
import { keys } from "../queue/names.js";
import type { AppliedUser, DesiredUser } from "../types.js";
import type { AppliedView } from "./applied-view.js";
import { type GroupRewrite, rewriteGroups } from "./classify.js";
import type { GroupStateEntry } from "./group-plan.js";
import { decryptSecret, encryptSecret } from "./secrets.js";

/**
 * The channel's state in Redis: one hash per kind, field = source id, value = JSON. Batches go through
 * MULTI (one round trip each) and HMGET / HSCAN, so 20,000 users load in a handful of round trips.
 * Redis is a cache of AWS: a full run rebuilds applied state from the users' tags.
 */
export interface StateStoreOptions {
  /** The configured `redis.prefix` (a Cluster hash tag such as `{prov}`). */
  prefix: string;
  /** `secrets.key`, parsed; without it a desired state holding a password is refused. */
  secretKey?: Buffer;
  /** Fields per command. @defaultValue 1000 */
  batchSize?: number;
}

/** What the last full run saw, for the dashboard and the percent guard. */
export interface ObservedSummary {
  readAt: string;
  calls: number;
  users: number;
  managedUsers: number;
  groups: number;
  managedGroups: number;
}

/** A desired state at rest: the password sealed, everything else plain. */
type StoredDesired = Omit<DesiredUser, "loginProfile"> & {
  loginProfile?: { passwordResetRequired: boolean; sealedPassword?: string };
};

export class StateStore {
  private readonly prefix: string;
  private readonly key: Buffer | undefined;
  private readonly batch: number;

  constructor(
    private readonly redis: Redis,
    opts: StateStoreOptions,
  ) {
    this.prefix = opts.prefix;
    this.key = opts.secretKey;
    this.batch = opts.batchSize ?? 1_000;
  }

  // --- desired ---------------------------------------------------------------

  async putDesired(channel: string, users: readonly DesiredUser[]): Promise<void> {
    const k = keys.desired(this.prefix, channel);
    for (const part of chunks(users, this.batch)) {
      const fields: string[] = [];
      for (const u of part) fields.push(u.sourceId, JSON.stringify(this.seal(channel, u)));
      if (fields.length > 0) await this.redis.hset(k, ...fields);
    }
  }

  async getDesired(channel: string, ids: readonly string[]): Promise<Map<string, DesiredUser>> {
    const out = new Map<string, DesiredUser>();
    for (const [id, raw] of await this.hmget(keys.desired(this.prefix, channel), ids)) {
      out.set(id, this.unseal(channel, JSON.parse(raw) as StoredDesired));
    }
    return out;
  }

  async deleteDesired(channel: string, ids: readonly string[]): Promise<void> {
    for (const part of chunks(ids, this.batch))
      if (part.length > 0) await this.redis.hdel(keys.desired(this.prefix, channel), ...part);
  }

  // --- applied ---------------------------------------------------------------

  /**
   * Records applied state and keeps the IAM-name index (lower-cased name → source id) in step. Each
   * user's memo is set from `memos` or dropped: applied state written any other way than from the
   * desired state a memo describes must not let a later run skip the person.
   */
  async putApplied(
    channel: string,
    users: readonly AppliedUser[],
    memos: ReadonlyMap<string, string> = new Map(),
    /** Their applied state as the caller just read it (a provision job has): saves reading it again. */
    known?: ReadonlyMap<string, AppliedUser>,
  ): Promise<void> {
    const appliedKey = keys.applied(this.prefix, channel);
    const namesKey = keys.userNames(this.prefix, channel);
    const memosKey = keys.memos(this.prefix, channel);
    for (const part of chunks(users, this.batch)) {
      if (part.length === 0) continue;
      const before =
        known ??
        (await this.getAppliedRaw(
          channel,
          part.map((u) => u.sourceId),
        ));
      const tx = this.redis.multi();
      const fields: string[] = [];
      for (const u of part) {
        fields.push(u.sourceId, JSON.stringify(u));
        const old = before.get(u.sourceId);
        if (old && old.userName.toLowerCase() !== u.userName.toLowerCase())
          tx.hdel(namesKey, old.userName.toLowerCase());
        tx.hset(namesKey, u.userName.toLowerCase(), u.sourceId);
        const memo = memos.get(u.sourceId);
        if (memo) tx.hset(memosKey, u.sourceId, memo);
        else tx.hdel(memosKey, u.sourceId);
      }
      tx.hset(appliedKey, ...fields);
      await exec(tx);
    }
  }

  async getApplied(channel: string, ids: readonly string[]): Promise<Map<string, AppliedUser>> {
    return this.getAppliedRaw(channel, ids);
  }

  /** The whole applied state of a channel (HSCAN in batches: no single huge reply). */
  async loadApplied(channel: string): Promise<Map<string, AppliedUser>> {
    const out = new Map<string, AppliedUser>();
    await this.scan(keys.applied(this.prefix, channel), (id, raw) => out.set(id, JSON.parse(raw) as AppliedUser));
    return out;
  }

  /** Applied state served to the plan on demand (see AppliedView): ids, records by id, holders by name. */
  appliedView(channel: string): AppliedView {
    return {
      // Ids only: a fraction of the records' size (HSCAN NOVALUES needs Redis 7.4).
      ids: () => this.redis.hkeys(keys.applied(this.prefix, channel)),
      count: () => this.redis.hlen(keys.applied(this.prefix, channel)),
      get: (ids) => this.getAppliedRaw(channel, ids),
      holders: async (names) => new Map(await this.hmget(keys.userNames(this.prefix, channel), names)),
      all: () => this.loadApplied(channel),
    };
  }

  // --- memos (src/sync/memo.ts) ------------------------------------------------

  async loadMemos(channel: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await this.scan(keys.memos(this.prefix, channel), (id, memo) => out.set(id, memo));
    return out;
  }

  /** Memos of people a plan found unchanged (applied state already holds their desired state). */
  async putMemos(channel: string, memos: ReadonlyMap<string, string>): Promise<void> {
    const k = keys.memos(this.prefix, channel);
    for (const part of chunks([...memos], this.batch)) {
      if (part.length > 0) await this.redis.hset(k, ...part.flat());
    }
  }

  /** Rewrites every applied membership through a run's group renames and deletions (see PlanResult.groupRewrite). */
  async rewriteAppliedGroups(channel: string, rewrite: GroupRewrite): Promise<number> {
    if (rewrite.renames.size === 0 && rewrite.deleted.size === 0) return 0;
    const changed: AppliedUser[] = [];
    for (const a of (await this.loadApplied(channel)).values()) {
      const groups = rewriteGroups(a.groups, rewrite);
      if (groups.length !== a.groups.length || groups.some((g, i) => g !== a.groups[i])) changed.push({ ...a, groups });
    }
    const k = keys.applied(this.prefix, channel);
    for (const part of chunks(changed, this.batch)) {
      if (part.length === 0) continue;
      // Their memos described the memberships before the rewrite: the next run looks at them again.
      await exec(
        this.redis
          .multi()
          .hset(k, ...part.flatMap((a) => [a.sourceId, JSON.stringify(a)]))
          .hdel(keys.memos(this.prefix, channel), ...part.map((a) => a.sourceId)),
      );
    }
    return changed.length;
  }

  async appliedCount(channel: string): Promise<number> {
    return this.redis.hlen(keys.applied(this.prefix, channel));
  }

  async deleteApplied(
    channel: string,
    ids: readonly string[],
    known?: ReadonlyMap<string, AppliedUser>,
  ): Promise<void> {
    for (const part of chunks(ids, this.batch)) {
      if (part.length === 0) continue;
      const before = known ?? (await this.getAppliedRaw(channel, part));
      const tx = this.redis.multi();
      tx.hdel(keys.applied(this.prefix, channel), ...part);
      tx.hdel(keys.memos(this.prefix, channel), ...part);
      const names = [...before.values()].map((a) => a.userName.toLowerCase());
      if (names.length > 0) tx.hdel(keys.userNames(this.prefix, channel), ...names);
      await exec(tx);
    }
  }

  /** The source id whose applied state holds this IAM user name (ignoring case). */
  async sourceIdForUserName(channel: string, userName: string): Promise<string | undefined> {
    return (await this.redis.hget(keys.userNames(this.prefix, channel), userName.toLowerCase())) ?? undefined;
  }

  // --- observed, groups ------------------------------------------------------

  async putObserved(channel: string, summary: ObservedSummary): Promise<void> {
    await this.redis.set(keys.observed(this.prefix, channel), JSON.stringify(summary));
  }

  async getObserved(channel: string): Promise<ObservedSummary | undefined> {
    const raw = await this.redis.get(keys.observed(this.prefix, channel));
    return raw ? (JSON.parse(raw) as ObservedSummary) : undefined;
  }

  async loadGroups(channel: string): Promise<Map<string, GroupStateEntry>> {
    const all = await this.redis.hgetall(keys.groups(this.prefix, channel));
    return new Map(Object.entries(all).map(([id, raw]) => [id, JSON.parse(raw) as GroupStateEntry]));
  }

  /** Replaces the channel's group state (source group id → IAM group) in one transaction. */
  async putGroups(channel: string, groups: ReadonlyMap<string, GroupStateEntry>): Promise<void> {
    const k = keys.groups(this.prefix, channel);
    const tx = this.redis.multi().del(k);
    const fields = [...groups].flatMap(([id, g]) => [id, JSON.stringify(g)]);
    if (fields.length > 0) tx.hset(k, ...fields);
    await exec(tx);
  }

  /** Forgets everything about a channel (the next full run rebuilds it from AWS). */
  async clearChannel(channel: string): Promise<void> {
    await this.redis.del(
      keys.desired(this.prefix, channel),
      keys.applied(this.prefix, channel),
      keys.userNames(this.prefix, channel),
      keys.memos(this.prefix, channel),
      keys.observed(this.prefix, channel),
      keys.groups(this.prefix, channel),
    );
  }

  // --- internals -------------------------------------------------------------

  private seal(channel: string, u: DesiredUser): StoredDesired {
    const { loginProfile, ...rest } = u;
    if (!loginProfile) return rest;
    const stored: StoredDesired = {
      ...rest,
      loginProfile: { passwordResetRequired: loginProfile.passwordResetRequired },
    };
    if (loginProfile.password !== undefined && stored.loginProfile) {
      stored.loginProfile.sealedPassword = encryptSecret(this.key, loginProfile.password, owner(channel, u.sourceId));
    }
    return stored;
  }

  private unseal(channel: string, s: StoredDesired): DesiredUser {
    const { loginProfile, ...rest } = s;
    if (!loginProfile) return rest;
    const lp: NonNullable<DesiredUser["loginProfile"]> = { passwordResetRequired: loginProfile.passwordResetRequired };
    if (loginProfile.sealedPassword !== undefined) {
      lp.password = decryptSecret(this.key, loginProfile.sealedPassword, owner(channel, s.sourceId));
    }
    return { ...rest, loginProfile: lp };
  }

  private async getAppliedRaw(channel: string, ids: readonly string[]): Promise<Map<string, AppliedUser>> {
    const out = new Map<string, AppliedUser>();
    for (const [id, raw] of await this.hmget(keys.applied(this.prefix, channel), ids))
      out.set(id, JSON.parse(raw) as AppliedUser);
    return out;
  }

  /** Every field of a hash in HSCAN batches (no single huge reply). */
  private async scan(key: string, each: (field: string, value: string) => void): Promise<void> {
    let cursor = "0";
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, "COUNT", Math.max(this.batch, 5_000));
      for (let i = 0; i + 1 < flat.length; i += 2) each(flat[i] as string, flat[i + 1] as string);
      cursor = next;
    } while (cursor !== "0");
  }

  private async hmget(key: string, ids: readonly string[]): Promise<[string, string][]> {
    const out: [string, string][] = [];
    const parts = chunks(ids, this.batch).filter((p) => p.length > 0);
    if (parts.length === 0) return out;
    const pipe = this.redis.pipeline();
    for (const part of parts) pipe.hmget(key, ...part);
    const replies = (await pipe.exec()) ?? [];
    parts.forEach((part, n) => {
      const [err, values] = replies[n] ?? [new Error("no reply"), null];
      if (err) throw err;
      (values as (string | null)[]).forEach((v, i) => {
        if (v !== null) out.push([part[i] as string, v]);
      });
    });
    return out;
  }
}

/** Binds a sealed password to its owner: copied onto another record it does not decrypt. */
const owner = (channel: string, sourceId: string) => `${channel}\u0000${sourceId}`;

async function exec(tx: ReturnType<Redis["multi"]>): Promise<void> {
  const replies = await tx.exec();
  for (const [err] of replies ?? []) if (err) throw err;
}

import type { ChannelConfig } from "../config/schema.js";
import { SecretKeyError } from "../errors/SecretKeyError.js";
import { TemplateError } from "../errors/TemplateError.js";
import type {
  AppliedUser,
  DesiredUser,
  InvalidUser,
  ObservedState,
  Plan,
  PlanStatus,
  RunMode,
  SkippedChange,
  SourceUser,
  UserChange,
  UserDelta,
  UserReadOptions,
} from "../types.js";
import { type AppliedView, appliedView, isAppliedView } from "./applied-view.js";
import {
  type ClassifyContext,
  type Decision,
  decideDesired,
  decideRemoval,
  type GroupRewrite,
  rewriteGroups,
  toggleReason,
} from "./classify.js";
import { changeOf } from "./delta.js";
import { digestDesired } from "./digest.js";
import { type GroupStateEntry, planGroups } from "./group-plan.js";
import { guardReasons, sourceFailureReason } from "./guards.js";
import type { MapOptions } from "./mapping.js";
import { MemoIndex, memoContext } from "./memo.js";
import { nameConflicts } from "./name-checks.js";
import { indexObserved } from "./observed-index.js";
import { inScope, inScopeCount, readSource, removalCandidates, type SourceRead } from "./source-read.js";

/**
 * A run's plan: stream the source page by page (raw entries live only as long as their page), map each
 * person to desired state, then decide per person against applied state (incremental, replay) or against
 * AWS as read in bulk (full). Nothing here writes anywhere; the snapshot and `plan` share it.
 */
export interface PlanSource {
  users(opts?: UserReadOptions): AsyncIterable<SourceUser[]>;
  findUsers?(query: { ids?: string[] }): Promise<SourceUser[]>;
}

export interface PlanInput {
  channel: ChannelConfig;
  mode: RunMode;
  source: PlanSource;
  /**
   * Applied state of the channel by source id: a map, or a view that loads only what the plan needs
   * (an incremental run with memos reads the records of changed and leaving people only).
   */
  applied: ReadonlyMap<string, AppliedUser> | AppliedView;
  /**
   * The channel's stored memos (source id → memo, src/sync/memo.ts). With them every desired state gets
   * the memo to record once applied, and an incremental run skips the people they show unchanged. A
   * promise is awaited only when the first page of the source arrives.
   */
  memos?: ReadonlyMap<string, string> | Promise<ReadonlyMap<string, string>>;
  /** Required for `full`. */
  observed?: ObservedState;
  groupState?: ReadonlyMap<string, GroupStateEntry>;
  /** The target's caller user name plus `protectedUsers`: never in any change. */
  protectedUsers?: readonly string[];
  /** The target's `maxUsers`. @defaultValue 5000 */
  maxUsers?: number;
  /**
   * IAM users the account holds now (GetAccountSummary), for runs that do not read AWS in bulk: applied
   * state alone misses the caller and every user this channel does not manage. Only the quota check
   * needs it, after the read: a promise may still be in flight meanwhile. @defaultValue applied size
   */
  accountUsers?: number | Promise<number | undefined>;
  /** `secrets.key`, parsed: digests of passwords are keyed with it. */
  secretKey?: Buffer;
  /** `replay`: the source ids to look at; nobody else is touched. */
  replayIds?: readonly string[];
  allowDeletions?: boolean;
  passwordPolicy?: MapOptions["passwordPolicy"];
  runId?: string;
  now?: Date;
}

export interface PlanResult {
  plan: Plan;
  /** Desired state of every user with a change, for the state store (provision jobs read it from there). */
  desired: Map<string, DesiredUser>;
  /** The delta planned per source id. */
  deltas: Map<string, UserDelta>;
  /** Digest of every valid desired state. */
  digests: Map<string, string>;
  /** Unchanged users whose applied state is missing or stale (full runs rebuild it from AWS's tags). */
  refreshApplied: AppliedUser[];
  /** Source ids whose applied state can go: gone from the source and from AWS. */
  forget: string[];
  /** Memos to record now: people this plan found unchanged whose stored memo is missing or stale. */
  memos: Map<string, string>;
  /** People an incremental run skipped on their memo (counted among the no-ops). */
  unchanged: number;
  /** The group state to record once the group changes are applied. */
  groupState: Map<string, GroupStateEntry>;
  /**
   * How this run's group renames and deletions rewrite memberships: the finaliser applies it to applied
   * state (StateStore.rewriteAppliedGroups) after the group changes, so records written by provision
   * jobs with the old names follow too.
   */
  groupRewrite: GroupRewrite;
}

export async function planRun(input: PlanInput): Promise<PlanResult> {
  const { channel, mode } = input;
  if (mode === "full" && !input.observed) throw new Error("a full plan needs the observed state of the target");
  const now = (input.now ?? new Date()).toISOString();
  const view = isAppliedView(input.applied) ? input.applied : appliedView(input.applied);
  const memo = input.memos
    ? new MemoIndex(input.secretKey, memoContext(channel, input.passwordPolicy), input.memos)
    : undefined;
  // With memos, an incremental run needs applied records only for people it did not skip: how many
  // there are is read beside the source, the records once the read is done.
  const partial = memo !== undefined && mode === "incremental";
  const appliedCountRead = partial ? view.count() : undefined;
  appliedCountRead?.catch(() => {});
  let read: SourceRead;
  try {
    read = await readSource(input, memo);
  } catch (err) {
    // Memos that did not load are Redis's failure, not the source's: the caller retries as for any other.
    if (memo?.loadError !== undefined) throw memo.loadError;
    if (err instanceof TemplateError || err instanceof SecretKeyError) return failed(input, [err.message]);
    return failed(input, [sourceFailureReason(err)]);
  }

  const digests = new Map<string, string>();
  try {
    for (const [id, d] of read.desired) digests.set(id, digestDesired(d, input.secretKey));
  } catch (err) {
    if (err instanceof SecretKeyError) return failed(input, [err.message]);
    throw err;
  }

  const index = input.observed ? indexObserved(input.observed, channel.name) : undefined;
  const groupPlan = planGroups({
    mode,
    channelPath: channel.path,
    mapped: channel.options.groups ? read.groups : new Map(),
    previous: input.groupState ?? new Map(),
    ...(mode === "full" && input.observed ? { observed: input.observed.groups } : {}),
    allowDeletes: channel.options.remove,
  });
  // Every group a desired user is in is one the channel maps to, whatever the group plan made of it.
  for (const d of read.desired.values()) for (const g of d.groups) groupPlan.known.add(g.toLowerCase());
  const groupRewrite: GroupRewrite = {
    renames: new Map(
      groupPlan.changes.flatMap((g) =>
        g.kind === "rename" ? [[g.fromGroupName.toLowerCase(), g.groupName] as const] : [],
      ),
    ),
    deleted: new Set(groupPlan.changes.flatMap((g) => (g.kind === "delete" ? [g.groupName.toLowerCase()] : []))),
  };
  // A group rename or deletion rewrites everyone's applied memberships (followGroupRenames): all of it.
  const rewrites = groupRewrite.renames.size > 0 || groupRewrite.deleted.size > 0;
  let applied: ReadonlyMap<string, AppliedUser>;
  let appliedCount: number;
  /** Applied ids that may have left (the rest were seen and skipped). */
  let appliedPool: Iterable<string>;
  if (appliedCountRead && !rewrites) {
    const wanted = new Set([...read.desired.keys(), ...read.disabled, ...read.invalid.map((i) => i.sourceId)]);
    const [count, got] = await Promise.all([appliedCountRead, view.get([...wanted])]);
    appliedCount = count;
    applied = got;
    appliedPool = got.keys();
    // Everyone skipped has applied state (a memo never outlives it): when they and the records just read
    // make up all of it, nobody unseen holds any, and the ids need not be read at all.
    if (read.unchanged.count + got.size !== count) {
      const ids = await view.ids();
      const unseen = ids.filter((id) => !inScope(read, id));
      applied = new Map([...got, ...(await view.get(unseen))]);
      appliedPool = ids;
    }
  } else {
    applied = await view.all();
    appliedCount = applied.size;
    appliedPool = applied.keys();
  }
  const ctx: ClassifyContext = {
    channel,
    applied,
    runId: input.runId ?? "plan",
    now,
    groupRewrite,
    ...(mode === "full" && index ? { full: { index, knownGroups: groupPlan.known } } : {}),
  };

  const invalid = [...read.invalid];
  const skipped: SkippedChange[] = [];
  const changes: { sourceId: string; decision: Extract<Decision, { kind: "change" }> }[] = [];
  const refreshApplied: AppliedUser[] = [];
  const noops: UserChange[] = [];
  const counts: Record<string, number> = { adopt: 0, repair: 0 };
  const isProtected = protectedTest(input.protectedUsers ?? []);

  const holders = index
    ? new Map([...index.bySourceId].map(([id, u]) => [u.userName.toLowerCase(), id] as const))
    : await view.holders([...read.desired.values()].map((d) => d.userName.toLowerCase()));
  // Someone skipped as unchanged can only clash with a name some changed person maps to.
  const unchangedNames = read.desired.size > 0 ? read.unchanged.names() : new Map<string, string>();
  const conflicts = nameConflicts(read.desired, holders, (id) => inScope(read, id), read.disabled, unchangedNames);
  let unchanged = read.unchanged.count;
  for (const [id, reasons] of conflicts.invalid) {
    const d = read.desired.get(id);
    const userName = d?.userName ?? unchangedNames.get(id);
    if (!d) unchanged--;
    invalid.push({ sourceId: id, ...(userName ? { userName } : {}), reasons });
    read.desired.delete(id);
  }
  const memos = new Map<string, string>();

  const decide = (sourceId: string, decision: Decision, userName: string) => {
    if (decision.kind === "noop") {
      if (decision.refresh) refreshApplied.push(decision.refresh);
      else {
        // Applied state holds this desired state: its memo can say so (a refresh drops the memo instead).
        const d = read.desired.get(sourceId);
        if (d?.memo && memo?.storedValue(sourceId) !== d.memo && memoHolds(d, applied.get(sourceId)))
          memos.set(sourceId, d.memo);
      }
      if (mode === "replay") noops.push({ kind: "noop", sourceId, userName });
      return;
    }
    if (decision.kind === "skip") {
      skipped.push({ sourceId, userName: decision.userName, kind: decision.change, reason: decision.reason });
      return;
    }
    const d = decision.delta;
    const names = [d.userName, d.fromUserName ?? d.userName];
    const reason = names.some(isProtected)
      ? `${d.fromUserName ?? d.userName} is a protected identity`
      : toggleReason(decision, channel);
    if (reason) skipped.push({ sourceId, userName: d.userName, kind: d.kind, reason });
    else changes.push({ sourceId, decision });
  };

  let noop = unchanged;
  for (const [id, desired] of read.desired) {
    const held = conflicts.held.get(id);
    if (held) {
      const exists = applied.has(id) || index?.bySourceId.has(id);
      skipped.push({ sourceId: id, userName: desired.userName, kind: exists ? "update" : "create", reason: held });
      continue;
    }
    const decision = decideDesired(desired, digests.get(id) as string, ctx);
    if (decision.kind === "noop") noop++;
    decide(id, decision, desired.userName);
  }
  for (const id of removalCandidates(input, read, index, appliedPool)) {
    const decision = decideRemoval(id, ctx);
    decide(id, decision, decision.kind === "change" ? decision.delta.userName : "");
  }

  const accountUsers = await input.accountUsers;
  enforceQuota(changes, input.maxUsers, index ? index.total : (accountUsers ?? appliedCount), invalid);
  followGroupRenames(ctx.groupRewrite, applied, changes, refreshApplied);
  const userChanges = changes.map((c) => changeOf(c.decision.delta, c.sourceId));
  const removals = userChanges.filter((c) => c.kind === "delete" || c.kind === "disable").length;
  const managed = index ? index.managedCount : appliedCount;
  const reasons = guardReasons({
    guards: channel.guards,
    removals,
    managed,
    ...(mode === "replay" ? {} : { sourceUsers: inScopeCount(read) }),
    allowDeletions: input.allowDeletions ?? false,
  });
  const status: PlanStatus = reasons.length > 0 ? "blocked" : "ready";

  for (const c of changes) {
    if (c.decision.adopt) counts.adopt = (counts.adopt ?? 0) + 1;
    if (c.decision.repair) counts.repair = (counts.repair ?? 0) + 1;
  }
  const users = status === "blocked" ? [] : sortChanges([...userChanges, ...noops]);
  if (status === "blocked") {
    for (const c of userChanges)
      skipped.push({
        sourceId: c.sourceId,
        userName: c.userName,
        kind: c.kind,
        reason: "withheld: the plan is blocked",
      });
  }
  const groups = status === "blocked" ? [] : groupPlan.changes;
  const desired = new Map<string, DesiredUser>();
  const deltas = new Map<string, UserDelta>();
  if (status !== "blocked") {
    for (const c of changes) {
      deltas.set(c.sourceId, c.decision.delta);
      const d = read.desired.get(c.sourceId);
      if (d) desired.set(c.sourceId, d);
    }
  }
  for (const kind of ["create", "update", "enable", "disable", "delete"] as const) {
    counts[kind] = users.filter((u) => u.kind === kind).length;
  }
  Object.assign(counts, {
    sourceUsers: inScopeCount(read),
    desired: read.desired.size + unchanged,
    noop,
    invalid: invalid.length,
    skipped: skipped.length,
    removals,
    managed,
    groupCreate: groups.filter((g) => g.kind === "create").length,
    groupRename: groups.filter((g) => g.kind === "rename").length,
    groupDelete: groups.filter((g) => g.kind === "delete").length,
  });

  const forget =
    mode === "full" && index ? [...applied.keys()].filter((id) => !inScope(read, id) && !index.bySourceId.has(id)) : [];
  return {
    plan: { channel: channel.name, mode, status, reasons, users, groups, invalid, skipped, counts },
    desired,
    deltas,
    digests,
    refreshApplied: status === "blocked" ? [] : refreshApplied,
    memos,
    unchanged,
    forget: status === "blocked" ? [] : forget,
    groupState: status === "blocked" ? new Map(input.groupState ?? []) : groupPlan.next,
    groupRewrite: status === "blocked" ? { renames: new Map(), deleted: new Set() } : groupRewrite,
  };
}

/**
 * Whether a memo may say applied state holds this desired state: the digests match and the person holds
 * the very name they map to (a dormant, disabled person keeps their old name until enabled). Skipped
 * people then always hold their own names, which keeps IAM's unique-name rule exact without them.
 */
export function memoHolds(
  desired: DesiredUser,
  applied: Pick<AppliedUser, "userName" | "enabled"> | undefined,
): boolean {
  return applied !== undefined && applied.userName === desired.userName && applied.enabled === desired.enabled;
}

/**
 * A renamed group renames every membership with it, including those of users with no change this run
 * (invalid, skipped, unchanged): their applied state follows, or a later delta would remove a name
 * that no longer exists and leave the real membership behind.
 */
function followGroupRenames(
  rewrite: GroupRewrite | undefined,
  applied: ReadonlyMap<string, AppliedUser>,
  changes: { sourceId: string }[],
  refresh: AppliedUser[],
): void {
  if (!rewrite || (rewrite.renames.size === 0 && rewrite.deleted.size === 0)) return;
  const handled = new Set([...changes.map((c) => c.sourceId), ...refresh.map((r) => r.sourceId)]);
  for (const [id, a] of applied) {
    if (handled.has(id)) continue;
    const groups = rewriteGroups(a.groups, rewrite);
    if (groups.length !== a.groups.length || groups.some((g, i) => g !== a.groups[i])) refresh.push({ ...a, groups });
  }
}

/** Creates beyond the account's user quota become invalid: IAM would refuse them anyway. */
function enforceQuota(
  changes: { sourceId: string; decision: Extract<Decision, { kind: "change" }> }[],
  maxUsers: number | undefined,
  existing: number,
  invalid: InvalidUser[],
): void {
  const max = maxUsers ?? 5_000;
  const deletes = changes.filter((c) => c.decision.delta.kind === "delete").length;
  let room = max - existing + deletes;
  for (let k = 0; k < changes.length; k++) {
    const c = changes[k] as (typeof changes)[number];
    if (c.decision.delta.kind !== "create") continue;
    if (room > 0) {
      room--;
      continue;
    }
    invalid.push({
      sourceId: c.sourceId,
      userName: c.decision.delta.userName,
      reasons: [`the target holds at most ${max} IAM users (maxUsers) and would be over it`],
    });
    changes.splice(k, 1);
    k--;
  }
}

function protectedTest(names: readonly string[]): (name: string) => boolean {
  const set = new Set(names.map((n) => n.toLowerCase()));
  return (name) => set.has(name.toLowerCase());
}

const ORDER: Record<UserChange["kind"], number> = { create: 0, update: 1, enable: 2, disable: 3, delete: 4, noop: 5 };

function sortChanges(changes: UserChange[]): UserChange[] {
  return changes.sort(
    (a, b) =>
      ORDER[a.kind] - ORDER[b.kind] || a.userName.localeCompare(b.userName) || a.sourceId.localeCompare(b.sourceId),
  );
}

function failed(input: PlanInput, reasons: string[]): PlanResult {
  return {
    plan: {
      channel: input.channel.name,
      mode: input.mode,
      status: "failed",
      reasons,
      users: [],
      groups: [],
      invalid: [],
      skipped: [],
      counts: {},
    },
    desired: new Map(),
    deltas: new Map(),
    digests: new Map(),
    refreshApplied: [],
    memos: new Map(),
    unchanged: 0,
    forget: [],
    groupState: new Map(input.groupState ?? []),
    groupRewrite: { renames: new Map(), deleted: new Set() },
  };
}

import { rewriteGroups } from "../../../src/sync/classify.js";
import type { GroupStateEntry } from "../../../src/sync/group-plan.js";
import { memoHolds, type PlanInput, type PlanResult, planRun } from "../../../src/sync/plan.js";
import {
  type AppliedUser,
  type CurrentUser,
  DISABLED_TAG,
  MARKER_TAG,
  type ObservedState,
  SOURCE_ID_TAG,
  type UserDelta,
} from "../../../src/types.js";

interface FakeUser {
  userName: string;
  path: string;
  tags: Record<string, string>;
  groups: string[];
  hasLoginProfile: boolean;
}

const lc = (s: string) => s.toLowerCase();

function merge(
  tags: Record<string, string>,
  set: Record<string, string> = {},
  remove: string[] = [],
): Record<string, string> {
  const drop = new Set([...remove, ...Object.keys(set)].map(lc));
  return { ...Object.fromEntries(Object.entries(tags).filter(([k]) => !drop.has(lc(k)))), ...set };
}

/**
 * IAM as the target shows it to the sync engine, in memory: applies deltas the way the target does
 * (disable only disables; enable and update carry fields) and records applied state like the worker.
 */
export class FakeIam {
  readonly users = new Map<string, FakeUser>();
  readonly groups = new Map<string, { groupName: string; path: string }>();
  readonly applied = new Map<string, AppliedUser>();
  /** Memos kept as the workers keep them; undefined: this IAM's plans run without memos. */
  readonly memos: Map<string, string> | undefined;
  groupState = new Map<string, GroupStateEntry>();
  touched: string[] = [];

  constructor(opts: { memos?: boolean } = {}) {
    this.memos = opts.memos ? new Map() : undefined;
  }

  seed(u: Partial<FakeUser> & { userName: string }): void {
    this.users.set(lc(u.userName), { path: "/", tags: {}, groups: [], hasLoginProfile: false, ...u });
  }

  observed(): ObservedState {
    return {
      users: [...this.users.values()].map((u, i) => ({
        userName: u.userName,
        userId: `AIDA${i}`,
        arn: `arn:aws:iam::123456789012:user${u.path}${u.userName}`,
        path: u.path,
        tags: { ...u.tags },
        groups: [...u.groups],
        hasInlinePolicies: false,
        attachedPolicies: [],
      })),
      groups: [...this.groups.values()].map((g, i) => ({
        groupName: g.groupName,
        groupId: `AGPA${i}`,
        arn: `arn:aws:iam::123456789012:group${g.path}${g.groupName}`,
        path: g.path,
        hasInlinePolicies: false,
        attachedPolicies: [],
      })),
      readAt: new Date(0).toISOString(),
      calls: 1,
    };
  }

  private current(u: FakeUser): CurrentUser {
    return {
      userName: u.userName,
      path: u.path,
      tags: Object.fromEntries(Object.entries(u.tags).filter(([k]) => !lc(k).startsWith("provisioner:"))),
      groups: [...u.groups],
      hasLoginProfile: u.hasLoginProfile,
      enabled: !Object.keys(u.tags).some((k) => lc(k) === DISABLED_TAG),
    };
  }

  /** The user after the delta; null once deleted; undefined when refused (as the target refuses a foreign user). */
  applyDelta(d: UserDelta): CurrentUser | null | undefined {
    if (d.kind === "create") {
      const existing = this.users.get(lc(d.userName));
      if (existing && (existing.tags[MARKER_TAG] !== d.channel || existing.tags[SOURCE_ID_TAG] !== d.sourceId))
        return undefined;
      this.touched.push(d.userName);
      const u: FakeUser = existing ?? {
        userName: d.userName,
        path: d.path ?? "/",
        tags: {},
        groups: [],
        hasLoginProfile: false,
      };
      u.tags = merge(u.tags, { ...d.tagsSet, [MARKER_TAG]: d.channel, [SOURCE_ID_TAG]: d.sourceId });
      if (d.loginProfile) u.hasLoginProfile = d.loginProfile.action !== "delete";
      for (const g of d.groupsAdd ?? []) if (!u.groups.some((h) => lc(h) === lc(g))) u.groups.push(g);
      this.users.set(lc(u.userName), u);
      return this.current(u);
    }
    this.touched.push(d.fromUserName ?? d.userName, d.userName);
    const u = this.users.get(lc(d.fromUserName ?? d.userName));
    if (!u) return null;
    if (d.kind === "delete") {
      this.users.delete(lc(u.userName));
      return null;
    }
    if (d.kind === "disable") {
      u.tags = merge(u.tags, { [DISABLED_TAG]: "now" });
      u.hasLoginProfile = false;
      return this.current(u);
    }
    const clash = this.users.get(lc(d.userName));
    if (clash && clash !== u) return undefined;
    this.users.delete(lc(u.userName));
    u.userName = d.userName;
    if (d.path !== undefined) u.path = d.path;
    u.tags = merge(u.tags, d.tagsSet, [...(d.tagsRemove ?? []), ...(d.kind === "enable" ? [DISABLED_TAG] : [])]);
    if (d.loginProfile) u.hasLoginProfile = d.loginProfile.action !== "delete";
    const removed = new Set((d.groupsRemove ?? []).map(lc));
    u.groups = u.groups.filter((g) => !removed.has(lc(g)));
    for (const g of d.groupsAdd ?? []) if (!u.groups.some((h) => lc(h) === lc(g))) u.groups.push(g);
    this.users.set(lc(u.userName), u);
    return this.current(u);
  }

  /** Carries out a plan the way the snapshot + provision workers would. */
  apply(result: PlanResult, runId = "run"): void {
    if (result.plan.status !== "ready") return;
    for (const g of result.plan.groups) {
      if (g.kind === "create") this.groups.set(lc(g.groupName), { groupName: g.groupName, path: g.path });
      if (g.kind === "rename") {
        this.groups.delete(lc(g.fromGroupName));
        this.groups.set(lc(g.groupName), { groupName: g.groupName, path: g.path });
        for (const u of this.users.values())
          u.groups = u.groups.map((n) => (lc(n) === lc(g.fromGroupName) ? g.groupName : n));
      }
    }
    for (const [sourceId, delta] of result.deltas) {
      const after = this.applyDelta(delta);
      if (after === undefined) continue;
      this.memos?.delete(sourceId);
      if (!after) {
        this.applied.delete(sourceId);
        continue;
      }
      // The provision job's rule: the memo once applied state holds exactly the desired state.
      const desired = result.desired.get(sourceId);
      if (desired?.memo && memoHolds(desired, after)) this.memos?.set(sourceId, desired.memo);
      this.applied.set(sourceId, {
        sourceId,
        userName: after.userName,
        path: after.path,
        tags: after.tags,
        groups: after.groups,
        hasLoginProfile: after.hasLoginProfile ?? false,
        enabled: after.enabled,
        // A removal has no desired state: the digest of what was applied before no longer describes IAM.
        digest: result.desired.has(sourceId) ? (result.digests.get(sourceId) ?? "") : "",
        appliedAt: new Date(0).toISOString(),
        runId,
      });
    }
    for (const g of result.plan.groups) {
      if (g.kind === "delete") {
        this.groups.delete(lc(g.groupName));
        for (const u of this.users.values()) u.groups = u.groups.filter((n) => lc(n) !== lc(g.groupName));
      }
    }
    for (const a of result.refreshApplied) {
      this.applied.set(a.sourceId, a);
      this.memos?.delete(a.sourceId);
    }
    // The finaliser's step: memberships in applied state follow the run's group renames and deletions.
    for (const [id, a] of this.applied) {
      const groups = rewriteGroups(a.groups, result.groupRewrite);
      if (groups.length === a.groups.length && groups.every((g, i) => g === a.groups[i])) continue;
      this.applied.set(id, { ...a, groups });
      this.memos?.delete(id);
    }
    for (const id of result.forget) {
      this.applied.delete(id);
      this.memos?.delete(id);
    }
    // The snapshot records memos after rewriting memberships (which drops the memos it touches).
    for (const [id, memo] of result.memos) this.memos?.set(id, memo);
    this.groupState = result.groupState;
  }

  async plan(input: Omit<PlanInput, "applied" | "groupState" | "observed">): Promise<PlanResult> {
    return planRun({
      ...input,
      applied: this.applied,
      ...(this.memos ? { memos: this.memos } : {}),
      groupState: this.groupState,
      ...(input.mode === "full" ? { observed: this.observed() } : {}),
    });
  }
}

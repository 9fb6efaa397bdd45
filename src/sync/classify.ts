import type { ChannelConfig } from "../config/schema.js";
import type { AppliedUser, CurrentUser, DesiredUser, ObservedUser, UserChange, UserDelta } from "../types.js";
import { computeDelta, currentFromApplied, currentFromObserved, type DeltaContext, withMarkers } from "./delta.js";
import { loginProfileChanged } from "./digest.js";
import { type ObservedIndex, ownership } from "./observed-index.js";

/**
 * One person's decision in a plan: what changes (as a delta), nothing, or why it is held back. Kept apart
 * from the plan's bookkeeping so each rule (adopt, repair, toggles, protection) reads on its own.
 */
export type Decision =
  | { kind: "change"; delta: UserDelta; removal: boolean; adopt?: boolean; repair?: boolean }
  | { kind: "noop"; refresh?: AppliedUser }
  | { kind: "skip"; change: UserChange["kind"]; userName: string; reason: string };

export interface ClassifyContext {
  channel: ChannelConfig;
  full?: { index: ObservedIndex; knownGroups: ReadonlySet<string> };
  applied: ReadonlyMap<string, AppliedUser>;
  runId: string;
  now: string;
  /**
   * Group renames and deletions this run makes. Renames are applied before any user's change, so what a
   * user is "currently" in is read through them: otherwise the user's delta would remove the old name
   * (gone) and leave the renamed membership behind. A deleted group takes its memberships with it.
   */
  groupRewrite?: GroupRewrite;
}

export interface GroupRewrite {
  /** Lower-cased old name → new name. */
  renames: ReadonlyMap<string, string>;
  /** Lower-cased names. */
  deleted: ReadonlySet<string>;
}

/** Membership names as they stand once this run's group changes are made. */
export function rewriteGroups(groups: readonly string[], rewrite: GroupRewrite | undefined): string[] {
  if (!rewrite || (rewrite.renames.size === 0 && rewrite.deleted.size === 0)) return [...groups];
  return groups
    .filter((g) => !rewrite.deleted.has(g.toLowerCase()))
    .map((g) => rewrite.renames.get(g.toLowerCase()) ?? g);
}

function throughRenames(current: CurrentUser, c: ClassifyContext): CurrentUser {
  return c.groupRewrite ? { ...current, groups: rewriteGroups(current.groups, c.groupRewrite) } : current;
}

const deltaCtx = (c: ClassifyContext, sourceId: string, extra: Partial<DeltaContext> = {}): DeltaContext => ({
  channel: c.channel.name,
  options: c.channel.options,
  sourceId,
  ...extra,
});

/** A person in scope with a valid desired state. */
export function decideDesired(desired: DesiredUser, digest: string, c: ClassifyContext): Decision {
  const applied = c.applied.get(desired.sourceId);
  if (!c.full) {
    if (!applied) return change(computeDelta(desired, null, deltaCtx(c, desired.sourceId)), false);
    // The enabled check covers a leaver who came back: the disable kept the digest of the old desired state.
    if (applied.digest === digest && applied.enabled === desired.enabled) return { kind: "noop" };
    const lpChanged = loginProfileChanged(digest, applied.digest);
    const current = throughRenames(currentFromApplied(applied), c);
    const delta = computeDelta(desired, current, deltaCtx(c, desired.sourceId, { loginProfileChanged: lpChanged }));
    return delta ? change(delta, false) : { kind: "noop", refresh: { ...applied, groups: current.groups, digest } };
  }

  const { index, knownGroups } = c.full;
  const mine = index.bySourceId.get(desired.sourceId);
  if (mine) {
    const sameUser = applied && applied.userName.toLowerCase() === mine.userName.toLowerCase();
    const current = throughRenames(
      currentFromObserved(mine, knownGroups, sameUser ? applied.hasLoginProfile : undefined),
      c,
    );
    const lpChanged = sameUser ? loginProfileChanged(digest, applied.digest) : false;
    const delta = computeDelta(desired, current, deltaCtx(c, desired.sourceId, { loginProfileChanged: lpChanged }));
    const taken = delta?.fromUserName !== undefined ? index.byName.get(delta.userName.toLowerCase()) : undefined;
    if (taken && taken !== mine) {
      const owner = ownership(taken, c.channel.name);
      const by =
        owner.kind === "unmanaged"
          ? "an unmanaged user"
          : owner.kind === "other-channel"
            ? `channel ${owner.channel}`
            : `source user ${owner.sourceId}`;
      return skip(
        "update",
        mine.userName,
        `cannot rename to ${delta?.userName}: IAM user ${taken.userName} is held by ${by}`,
      );
    }
    if (delta) return { kind: "change", delta, removal: false, repair: !!applied && applied.digest === digest };
    if (sameUser && applied.digest === digest) return { kind: "noop" };
    return { kind: "noop", refresh: appliedFrom(mine, desired, digest, c, sameUser ? applied : undefined) };
  }

  const taken = index.byName.get(desired.userName.toLowerCase());
  if (taken) {
    const owner = ownership(taken, c.channel.name);
    if (owner.kind === "other-channel") {
      return skip("create", desired.userName, `IAM user ${taken.userName} is managed by channel ${owner.channel}`);
    }
    if (owner.kind === "unmanaged") {
      if (!c.channel.options.adopt) {
        return skip(
          "create",
          desired.userName,
          `an unmanaged IAM user ${taken.userName} exists; set options.adopt to take it over`,
        );
      }
      // Adoption is an update that also writes the markers: from then on the user is ours.
      const current = throughRenames(currentFromObserved(taken, knownGroups), c);
      const delta = withMarkers(
        computeDelta(desired, current, deltaCtx(c, desired.sourceId)),
        c.channel.name,
        desired.sourceId,
        taken.userName,
      );
      return { kind: "change", delta, removal: false, adopt: true };
    }
    // Held by another of this channel's users: the plan's name checks report it.
  }
  // Applied state remembers a user AWS no longer holds: it was deleted by hand, so create it again.
  const create = computeDelta(desired, null, deltaCtx(c, desired.sourceId));
  return create ? { kind: "change", delta: create, removal: false, repair: !!applied } : { kind: "noop" };
}

/** A person the source no longer has in scope, or disabled without provisionDisabled. */
export function decideRemoval(sourceId: string, c: ClassifyContext): Decision {
  const applied = c.applied.get(sourceId);
  let current = applied ? throughRenames(currentFromApplied(applied), c) : null;
  if (c.full) {
    const mine = c.full.index.bySourceId.get(sourceId);
    current = mine ? throughRenames(currentFromObserved(mine, c.full.knownGroups), c) : null;
  }
  if (!current) return { kind: "noop" };
  const delta = computeDelta(null, current, deltaCtx(c, sourceId));
  return delta ? change(delta, true) : { kind: "noop" };
}

/** Why a cleared option forbids this change, if it does. */
export function toggleReason(d: Extract<Decision, { kind: "change" }>, c: ChannelConfig): string | undefined {
  const o = c.options;
  const kind = d.delta.kind;
  if (kind === "create" && !o.create) return "options.create is off: the user is not created";
  if (d.removal && !o.remove) return `options.remove is off: the ${kind} is not made`;
  if (!d.removal && kind !== "create" && !o.update) return `options.update is off: the ${kind} is not made`;
  return undefined;
}

function change(delta: UserDelta | null, removal: boolean): Decision {
  return delta ? { kind: "change", delta, removal } : { kind: "noop" };
}

function skip(change: UserChange["kind"], userName: string, reason: string): Decision {
  return { kind: "skip", change, userName, reason };
}

function appliedFrom(
  user: ObservedUser,
  desired: DesiredUser,
  digest: string,
  c: ClassifyContext,
  applied: AppliedUser | undefined,
): AppliedUser {
  const current = throughRenames(currentFromObserved(user, c.full?.knownGroups), c);
  return {
    sourceId: desired.sourceId,
    userName: user.userName,
    path: user.path,
    tags: current.tags,
    groups: current.groups,
    hasLoginProfile: applied?.hasLoginProfile ?? (desired.enabled && desired.loginProfile !== undefined),
    enabled: current.enabled,
    digest,
    appliedAt: c.now,
    runId: c.runId,
  };
}

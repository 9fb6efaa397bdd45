import type { ChannelOptions } from "../config/schema.js";
import { isToolTag, mappedTags, tagValue } from "../targets/aws-iam/tags.js";
import {
  type AppliedUser,
  type CurrentUser,
  type DesiredUser,
  DISABLED_TAG,
  MARKER_TAG,
  type ObservedUser,
  SOURCE_ID_TAG,
  type UserChange,
  type UserDelta,
  type UserField,
} from "../types.js";

/**
 * The exact IAM changes that turn `current` into `desired`: pure, shared by the plan (to classify users)
 * and the provision worker (to act on the latest desired state). Null means nothing to do.
 */
export interface DeltaContext {
  channel: string;
  options: Pick<ChannelOptions, "groups"> & Partial<ChannelOptions>;
  /** Defaults to options.removeAction, then "disable" (the reversible one). */
  removeAction?: ChannelOptions["removeAction"];
  /** Names the person in a removal delta, where there is no desired state to take it from. */
  sourceId?: string;
  /**
   * The password or its reset flag changed since the last apply (see loginProfileChanged in digest.ts):
   * neither is visible in CurrentUser, so only the caller's digests can say.
   */
  loginProfileChanged?: boolean;
}

export function computeDelta(
  desired: DesiredUser | null,
  current: CurrentUser | null,
  ctx: DeltaContext,
): UserDelta | null {
  if (!desired) {
    if (!current) return null;
    const action = ctx.removeAction ?? ctx.options.removeAction ?? "disable";
    const who = { channel: ctx.channel, sourceId: ctx.sourceId ?? "", userName: current.userName };
    if (action === "delete") return { kind: "delete", ...who };
    return current.enabled ? { kind: "disable", ...who } : null;
  }
  const base = { channel: ctx.channel, sourceId: desired.sourceId };
  if (!current) return createDelta(desired, ctx, base);
  // A disabled user is dormant: disabling touches nothing else, and nothing changes until the person is
  // enabled again, when the enable carries every field change at once.
  if (!desired.enabled) return current.enabled ? { kind: "disable", ...base, userName: current.userName } : null;

  const co = new Set(desired.createOnly);
  const delta: UserDelta = { kind: "update", ...base, userName: current.userName };
  if (!co.has("userName") && desired.userName !== current.userName) {
    delta.userName = desired.userName;
    delta.fromUserName = current.userName;
  }
  if (!co.has("path") && desired.path !== current.path) delta.path = desired.path;

  const tagsSet: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired.tags)) {
    if (co.has(`tags.${k}`)) continue;
    // A key differing only in case is rewritten: IAM keeps the case of the last write.
    if (tagValue(current.tags, k) !== v || !(k in current.tags)) tagsSet[k] = v;
  }
  const wanted = new Set(Object.keys(desired.tags).map((k) => k.toLowerCase()));
  const tagsRemove = Object.keys(current.tags).filter((k) => !isToolTag(k) && !wanted.has(k.toLowerCase()));
  if (Object.keys(tagsSet).length > 0) delta.tagsSet = tagsSet;
  if (tagsRemove.length > 0) delta.tagsRemove = tagsRemove.sort();

  if (ctx.options.groups) {
    const have = new Set(current.groups.map((g) => g.toLowerCase()));
    const want = new Set(desired.groups.map((g) => g.toLowerCase()));
    const add = desired.groups.filter((g) => !have.has(g.toLowerCase()));
    const remove = current.groups.filter((g) => !want.has(g.toLowerCase()));
    if (add.length > 0) delta.groupsAdd = [...add].sort();
    if (remove.length > 0) delta.groupsRemove = [...remove].sort();
  }

  const lp = desired.loginProfile;
  if (!current.enabled) {
    if (lp) delta.loginProfile = profile("create", lp, new Set());
    return { ...delta, kind: "enable" };
  }
  if (lp && current.hasLoginProfile === false) delta.loginProfile = profile("create", lp, new Set());
  else if (!lp && current.hasLoginProfile === true) delta.loginProfile = { action: "delete" };
  else if (lp && current.hasLoginProfile === true && ctx.loginProfileChanged) {
    const update = profile("update", lp, co);
    if (update.password !== undefined || update.passwordResetRequired !== undefined) delta.loginProfile = update;
  }
  return hasChanges(delta) ? delta : null;
}

function createDelta(desired: DesiredUser, ctx: DeltaContext, base: { channel: string; sourceId: string }): UserDelta {
  const delta: UserDelta = { kind: "create", ...base, userName: desired.userName, path: desired.path };
  // A person provisioned while disabled is born disabled: no login profile, and the target's disabled tag.
  const tagsSet = desired.enabled ? { ...desired.tags } : { ...desired.tags, [DISABLED_TAG]: "true" };
  if (Object.keys(tagsSet).length > 0) delta.tagsSet = tagsSet;
  if (desired.enabled && desired.loginProfile) delta.loginProfile = profile("create", desired.loginProfile, new Set());
  if (ctx.options.groups && desired.groups.length > 0) delta.groupsAdd = [...desired.groups].sort();
  return delta;
}

/** Creating a login profile carries all its settings (create-only ones included): they are being created. */
function profile(
  action: "create" | "update",
  lp: NonNullable<DesiredUser["loginProfile"]>,
  createOnly: Set<string>,
): NonNullable<UserDelta["loginProfile"]> {
  const out: NonNullable<UserDelta["loginProfile"]> = { action };
  if (lp.password !== undefined && !createOnly.has("loginProfile.password")) out.password = lp.password;
  if (!createOnly.has("loginProfile.passwordResetRequired")) out.passwordResetRequired = lp.passwordResetRequired;
  return out;
}

function hasChanges(d: UserDelta): boolean {
  return (
    d.fromUserName !== undefined ||
    d.path !== undefined ||
    d.tagsSet !== undefined ||
    d.tagsRemove !== undefined ||
    d.loginProfile !== undefined ||
    d.groupsAdd !== undefined ||
    d.groupsRemove !== undefined
  );
}

/** The fields a delta touches, for the plan's report. */
export function deltaFields(d: UserDelta): UserField[] {
  const fields: UserField[] = [];
  if (d.fromUserName !== undefined) fields.push("userName");
  if (d.path !== undefined && d.kind !== "create") fields.push("path");
  if (d.tagsSet !== undefined || d.tagsRemove !== undefined) fields.push("tags");
  if (d.loginProfile !== undefined) fields.push("loginProfile");
  if (d.groupsAdd !== undefined || d.groupsRemove !== undefined) fields.push("groups");
  return fields;
}

export function changeOf(d: UserDelta, sourceId: string): UserChange {
  switch (d.kind) {
    case "create":
      return { kind: "create", sourceId, userName: d.userName };
    case "update":
      return {
        kind: "update",
        sourceId,
        userName: d.userName,
        fromUserName: d.fromUserName ?? d.userName,
        fields: deltaFields(d),
      };
    case "enable":
      return { kind: "enable", sourceId, userName: d.userName, fields: deltaFields(d) };
    case "disable":
      return { kind: "disable", sourceId, userName: d.userName };
    case "delete":
      return { kind: "delete", sourceId, userName: d.userName };
  }
}

/** What applied state says IAM holds: the incremental run's stand-in for AWS. */
export function currentFromApplied(a: AppliedUser): CurrentUser {
  return {
    userName: a.userName,
    path: a.path,
    tags: a.tags,
    groups: a.groups,
    hasLoginProfile: a.hasLoginProfile,
    enabled: a.enabled,
  };
}

/**
 * What a bulk read says IAM holds. Memberships in groups the channel does not know are left out, so a
 * person's hand-made membership in an unrelated group is never removed. The login profile is not in
 * the bulk read: undefined unless the caller knows it.
 */
export function currentFromObserved(
  o: ObservedUser,
  knownGroups: ReadonlySet<string> | undefined,
  hasLoginProfile?: boolean,
): CurrentUser {
  return {
    userName: o.userName,
    path: o.path,
    tags: mappedTags(o.tags),
    groups: knownGroups ? o.groups.filter((g) => knownGroups.has(g.toLowerCase())) : o.groups,
    ...(hasLoginProfile !== undefined ? { hasLoginProfile } : {}),
    enabled: tagValue(o.tags, DISABLED_TAG) === undefined,
  };
}

/**
 * Adoption: an unmanaged IAM user becomes this channel's by carrying its markers. The delta (or an empty
 * update, when nothing else differs) gets the two marker tags; from then on the user is managed.
 */
export function withMarkers(delta: UserDelta | null, channel: string, sourceId: string, userName: string): UserDelta {
  const d: UserDelta = delta ?? { kind: "update", channel, sourceId, userName };
  d.tagsSet = { ...d.tagsSet, [MARKER_TAG]: channel, [SOURCE_ID_TAG]: sourceId };
  return d;
}

import { tagValue } from "../targets/aws-iam/tags.js";
import {
  type AppliedUser,
  type DesiredUser,
  MARKER_TAG,
  type ObservedState,
  type ObservedUser,
  SOURCE_ID_TAG,
} from "../types.js";
import { currentFromObserved } from "./delta.js";

/**
 * A full run's view of AWS, indexed for the plan: which users this channel manages (by the source id
 * they carry), which names are taken and by whom. Tags are the truth here, not Redis: that is what
 * lets one full run rebuild applied state after Redis lost everything.
 */
export interface ObservedIndex {
  /** Source id → the IAM user this channel manages for it. */
  bySourceId: Map<string, ObservedUser>;
  /** Lower-cased user name → user, every user in the account. */
  byName: Map<string, ObservedUser>;
  /** Users carrying this channel's marker. */
  managedCount: number;
  total: number;
}

export type Ownership =
  | { kind: "unmanaged" }
  | { kind: "other-channel"; channel: string }
  | { kind: "ours"; sourceId: string };

export function ownership(user: ObservedUser, channel: string): Ownership {
  const marker = tagValue(user.tags, MARKER_TAG);
  if (marker === undefined) return { kind: "unmanaged" };
  if (marker !== channel) return { kind: "other-channel", channel: marker };
  const sourceId = tagValue(user.tags, SOURCE_ID_TAG);
  // A marker without a source id was not written by this tool whole: not ours to change.
  return sourceId === undefined ? { kind: "unmanaged" } : { kind: "ours", sourceId };
}

export function indexObserved(observed: ObservedState, channel: string): ObservedIndex {
  const bySourceId = new Map<string, ObservedUser>();
  const byName = new Map<string, ObservedUser>();
  let managedCount = 0;
  for (const user of observed.users) {
    byName.set(user.userName.toLowerCase(), user);
    const owner = ownership(user, channel);
    if (owner.kind !== "ours") continue;
    managedCount++;
    if (!bySourceId.has(owner.sourceId)) bySourceId.set(owner.sourceId, user);
  }
  return { bySourceId, byName, managedCount, total: observed.users.length };
}

/**
 * Applied state as AWS shows it, for every user this channel manages. The bulk read cannot show login
 * profiles or passwords: with a desired state at hand it is assumed applied (the digest is the desired
 * one); without, the digest is empty so the next incremental run compares field by field.
 */
export function rebuildAppliedFromObserved(
  observed: ObservedState,
  channel: string,
  opts: { desired?: ReadonlyMap<string, DesiredUser>; digests?: ReadonlyMap<string, string>; runId?: string } = {},
): AppliedUser[] {
  const out: AppliedUser[] = [];
  for (const [sourceId, user] of indexObserved(observed, channel).bySourceId) {
    const desired = opts.desired?.get(sourceId);
    const current = currentFromObserved(user, undefined);
    out.push({
      sourceId,
      userName: user.userName,
      path: user.path,
      tags: current.tags,
      groups: current.groups,
      hasLoginProfile: current.enabled && desired?.loginProfile !== undefined,
      enabled: current.enabled,
      digest: opts.digests?.get(sourceId) ?? "",
      appliedAt: observed.readAt,
      runId: opts.runId ?? "rebuild",
    });
  }
  return out;
}

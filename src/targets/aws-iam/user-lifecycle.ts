import {
  ListAccessKeysCommand,
  ListUserTagsCommand,
  TagUserCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { type CurrentUser, DISABLED_TAG, type UserDelta } from "../../types.js";
import type { IamCall } from "./call.js";
import { unless } from "./idempotent.js";
import { collectPages } from "./paginate.js";
import { DISABLED_KEY_TAG_PREFIX, mappedTags, mergeTags, tagList, tagRecord } from "./tags.js";
import { applyLoginProfile, moveUser, readCurrent, regroup, retag } from "./user-steps.js";

/**
 * Update, disable and enable. IAM has no disabled state (IAM-FACTS.md): disable removes console access
 * (login profile) and programmatic access (active keys) and says so in tags; enable reverses exactly
 * what disable did, using those tags, so a key someone else switched off stays off.
 */

function hasChanges(delta: UserDelta): boolean {
  return (
    (delta.fromUserName !== undefined && delta.fromUserName !== delta.userName) ||
    delta.path !== undefined ||
    Object.keys(delta.tagsSet ?? {}).length > 0 ||
    (delta.tagsRemove ?? []).length > 0 ||
    delta.loginProfile !== undefined ||
    (delta.groupsAdd ?? []).length > 0 ||
    (delta.groupsRemove ?? []).length > 0
  );
}

/** What the user looks like after the delta, from what it looked like before: no read needed. */
export function project(before: CurrentUser, delta: UserDelta, enabled: boolean): CurrentUser {
  const removed = new Set((delta.groupsRemove ?? []).map((g) => g.toLowerCase()));
  const groups = before.groups.filter((g) => !removed.has(g.toLowerCase()));
  for (const g of delta.groupsAdd ?? []) if (!groups.some((h) => h.toLowerCase() === g.toLowerCase())) groups.push(g);
  const current: CurrentUser = {
    userName: delta.userName,
    path: delta.path ?? before.path,
    tags: mappedTags(mergeTags(before.tags, delta.tagsSet, delta.tagsRemove)),
    groups,
    enabled,
  };
  const profile = delta.loginProfile?.action;
  const hasLoginProfile = profile === undefined ? before.hasLoginProfile : profile !== "delete";
  if (hasLoginProfile !== undefined) current.hasLoginProfile = hasLoginProfile;
  return current;
}

export async function updateUser(call: IamCall, delta: UserDelta, before?: CurrentUser): Promise<CurrentUser | null> {
  if (!hasChanges(delta)) return before ?? null;
  await moveUser(call, delta);
  await retag(call, delta.userName, delta.tagsSet ?? {}, delta.tagsRemove ?? []);
  await applyLoginProfile(call, delta.userName, delta.loginProfile);
  await regroup(call, delta.userName, delta.groupsAdd ?? [], delta.groupsRemove ?? []);
  return before ? project(before, delta, before.enabled) : readCurrent(call, delta.userName);
}

/**
 * Tags first, listing the keys about to be deactivated, then the keys, then the login profile: a
 * retry after any partial failure still knows every key this tool switched off (TagUser only adds).
 */
export async function disableUser(call: IamCall, delta: UserDelta, before?: CurrentUser): Promise<CurrentUser> {
  const name = delta.userName;
  const keys = await collectPages(
    (marker) =>
      call(
        "ListAccessKeys",
        new ListAccessKeysCommand({ UserName: name, ...(marker ? { Marker: marker } : {}) }),
        name,
      ),
    (page) => page.AccessKeyMetadata,
  );
  const active = keys.filter((k) => k.Status === "Active" && k.AccessKeyId).map((k) => k.AccessKeyId as string);
  const now = new Date().toISOString();
  const tags: Record<string, string> = { [DISABLED_TAG]: now };
  for (const id of active) tags[`${DISABLED_KEY_TAG_PREFIX}${id}`] = now;
  await call("TagUser", new TagUserCommand({ UserName: name, Tags: tagList(tags) }), name);
  for (const id of active) {
    await unless("NoSuchEntity", () =>
      call(
        "UpdateAccessKey",
        new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: id, Status: "Inactive" }),
        name,
      ),
    );
  }
  await applyLoginProfile(call, name, { action: "delete" });
  if (!before) return { ...(await readCurrent(call, name)), hasLoginProfile: false };
  return { ...before, userName: name, hasLoginProfile: false, enabled: false };
}

/** Reactivates the keys disable recorded, restores the login profile if asked, applies any other change, then drops the disable tags. */
export async function enableUser(call: IamCall, delta: UserDelta, before?: CurrentUser): Promise<CurrentUser> {
  const name = delta.userName;
  await moveUser(call, delta);
  const tags = tagRecord(
    await collectPages(
      (marker) =>
        call("ListUserTags", new ListUserTagsCommand({ UserName: name, ...(marker ? { Marker: marker } : {}) }), name),
      (page) => page.Tags,
    ),
  );
  const disableTags = Object.keys(tags).filter(
    (k) => k.toLowerCase() === DISABLED_TAG || k.toLowerCase().startsWith(DISABLED_KEY_TAG_PREFIX),
  );
  for (const key of disableTags) {
    if (!key.toLowerCase().startsWith(DISABLED_KEY_TAG_PREFIX)) continue;
    const id = key.slice(DISABLED_KEY_TAG_PREFIX.length);
    // A key deleted while the user was disabled has nothing to come back to.
    await unless("NoSuchEntity", () =>
      call("UpdateAccessKey", new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: id, Status: "Active" }), name),
    );
  }
  await applyLoginProfile(call, name, delta.loginProfile);
  // The disable tags go in the same UntagUser as the delta's removals, and last, so a retry still finds them.
  await retag(call, name, delta.tagsSet ?? {}, [...(delta.tagsRemove ?? []), ...disableTags]);
  await regroup(call, name, delta.groupsAdd ?? [], delta.groupsRemove ?? []);
  if (!before) {
    const current = await readCurrent(call, name);
    if (delta.loginProfile) current.hasLoginProfile = delta.loginProfile.action !== "delete";
    return current;
  }
  return project(before, delta, true);
}

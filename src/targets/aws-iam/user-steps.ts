import {
  AddUserToGroupCommand,
  CreateLoginProfileCommand,
  DeleteLoginProfileCommand,
  GetUserCommand,
  ListGroupsForUserCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateLoginProfileCommand,
  UpdateUserCommand,
} from "@aws-sdk/client-iam";
import { PermanentError } from "../../errors/PermanentError.js";
import { type CurrentUser, DISABLED_TAG, MARKER_TAG, type UserDelta } from "../../types.js";
import type { IamCall } from "./call.js";
import { isCode } from "./classify.js";
import { notManaged, unless } from "./idempotent.js";
import { collectPages } from "./paginate.js";
import { carriesMarker, isToolTag, mappedTags, tagList, tagRecord, tagValue } from "./tags.js";

/**
 * The building blocks of user changes, each the fewest calls for its part and each safe to run again
 * after a partial failure. Create, update, enable and delete are compositions of these.
 */

type LoginProfileChange = NonNullable<UserDelta["loginProfile"]>;

/** Rename and/or move in one UpdateUser. A retry after the rename went through finds the new name ours. */
export async function moveUser(call: IamCall, delta: UserDelta): Promise<void> {
  const from = delta.fromUserName ?? delta.userName;
  const rename = from !== delta.userName;
  if (!rename && delta.path === undefined) return;
  try {
    await call(
      "UpdateUser",
      new UpdateUserCommand({
        UserName: from,
        ...(rename ? { NewUserName: delta.userName } : {}),
        ...(delta.path !== undefined ? { NewPath: delta.path } : {}),
      }),
      from,
    );
  } catch (err) {
    if (!rename || !isCode(err, "NoSuchEntity")) throw err;
    const renamed = await unless("NoSuchEntity", () =>
      call("GetUser", new GetUserCommand({ UserName: delta.userName }), delta.userName),
    );
    if (!renamed?.User || !carriesMarker(tagRecord(renamed.User.Tags), delta.channel, delta.sourceId)) throw err;
    if (delta.path !== undefined && renamed.User.Path !== delta.path) {
      await call(
        "UpdateUser",
        new UpdateUserCommand({ UserName: delta.userName, NewPath: delta.path }),
        delta.userName,
      );
    }
  }
}

/** One TagUser for everything set and one UntagUser for everything removed; marker tags are never removed. */
export async function retag(
  call: IamCall,
  userName: string,
  set: Record<string, string>,
  remove: readonly string[],
): Promise<void> {
  if (Object.keys(set).length > 0) {
    await call("TagUser", new TagUserCommand({ UserName: userName, Tags: tagList(set) }), userName);
  }
  const keys = remove.filter((k) => !isToolTag(k) || k.toLowerCase().startsWith(DISABLED_TAG));
  if (keys.length > 0) await call("UntagUser", new UntagUserCommand({ UserName: userName, TagKeys: keys }), userName);
}

function missingPassword(action: string, userName: string): PermanentError {
  return new PermanentError({ code: "MissingPassword", action, userName, detail: "a login profile needs a password" });
}

async function createProfile(call: IamCall, userName: string, change: LoginProfileChange): Promise<void> {
  if (change.password === undefined) throw missingPassword("CreateLoginProfile", userName);
  await call(
    "CreateLoginProfile",
    new CreateLoginProfileCommand({
      UserName: userName,
      Password: change.password,
      PasswordResetRequired: change.passwordResetRequired ?? false,
    }),
    userName,
  );
}

async function updateProfile(call: IamCall, userName: string, change: LoginProfileChange): Promise<void> {
  await call(
    "UpdateLoginProfile",
    new UpdateLoginProfileCommand({
      UserName: userName,
      ...(change.password !== undefined ? { Password: change.password } : {}),
      ...(change.passwordResetRequired !== undefined ? { PasswordResetRequired: change.passwordResetRequired } : {}),
    }),
    userName,
  );
}

/**
 * Brings the login profile to what the change asks. Each action falls over to its neighbour when IAM
 * already differs from what the plan believed (created by hand, deleted by hand, half-applied earlier).
 * `existsMeansDone`: on a create retry the profile found is the one we made a moment ago.
 */
export async function applyLoginProfile(
  call: IamCall,
  userName: string,
  change: LoginProfileChange | undefined,
  existsMeansDone = false,
): Promise<void> {
  if (!change) return;
  if (change.action === "delete") {
    await unless("NoSuchEntity", () =>
      call("DeleteLoginProfile", new DeleteLoginProfileCommand({ UserName: userName }), userName),
    );
    return;
  }
  if (change.action === "create") {
    try {
      await createProfile(call, userName, change);
    } catch (err) {
      if (!isCode(err, "EntityAlreadyExists")) throw err;
      if (!existsMeansDone) await updateProfile(call, userName, change);
    }
    return;
  }
  try {
    await updateProfile(call, userName, change);
  } catch (err) {
    if (!isCode(err, "NoSuchEntity") || change.password === undefined) throw err;
    await createProfile(call, userName, change);
  }
}

/** Removals first, so a swap never pushes the user over the 10-groups limit on the way. */
export async function regroup(
  call: IamCall,
  userName: string,
  add: readonly string[],
  remove: readonly string[],
): Promise<void> {
  for (const group of remove) {
    await unless("NoSuchEntity", () =>
      call("RemoveUserFromGroup", new RemoveUserFromGroupCommand({ UserName: userName, GroupName: group }), userName),
    );
  }
  // AddUserToGroup is idempotent in IAM: re-adding a member succeeds.
  for (const group of add) {
    await call("AddUserToGroup", new AddUserToGroupCommand({ UserName: userName, GroupName: group }), userName);
  }
}

export async function listUserGroups(call: IamCall, userName: string): Promise<string[]> {
  const groups = await collectPages(
    (marker) =>
      call(
        "ListGroupsForUser",
        new ListGroupsForUserCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) }),
        userName,
      ),
    (page) => page.Groups,
  );
  return groups.map((g) => g.GroupName ?? "").filter(Boolean);
}

/**
 * What IAM holds for a user, read back: used only when the caller could not say what the user looked
 * like before the change, since `current` must be true rather than guessed.
 */
export async function readCurrent(call: IamCall, userName: string): Promise<CurrentUser> {
  const got = await call("GetUser", new GetUserCommand({ UserName: userName }), userName);
  const tags = tagRecord(got.User?.Tags);
  return {
    userName: got.User?.UserName ?? userName,
    path: got.User?.Path ?? "/",
    tags: mappedTags(tags),
    groups: await listUserGroups(call, userName),
    enabled: tagValue(tags, DISABLED_TAG) === undefined,
  };
}

/** Refuses a user another owner holds: adopt takes over only unmarked users or this channel's own. */
export function assertOwnable(
  action: string,
  userName: string,
  tags: Record<string, string>,
  delta: Pick<UserDelta, "channel" | "sourceId" | "adopt">,
): void {
  if (carriesMarker(tags, delta.channel, delta.sourceId)) return;
  const owner = tagValue(tags, MARKER_TAG);
  if (owner !== undefined && owner !== delta.channel) {
    throw notManaged(action, userName, `exists and is managed by channel "${owner}"`);
  }
  if (!delta.adopt)
    throw notManaged(action, userName, "exists and is not managed by this channel (set adopt to take it over)");
}

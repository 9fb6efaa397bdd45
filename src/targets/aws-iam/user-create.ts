import { CreateUserCommand, GetUserCommand, UpdateUserCommand } from "@aws-sdk/client-iam";
import type { CurrentUser, UserDelta } from "../../types.js";
import type { IamCall } from "./call.js";
import { isCode } from "./classify.js";
import { carriesMarker, mappedTags, markerTags, mergeTags, missingTags, tagList, tagRecord } from "./tags.js";
import { applyLoginProfile, assertOwnable, listUserGroups, regroup, retag } from "./user-steps.js";

export interface CreateResult {
  current: CurrentUser;
  alreadyExisted: boolean;
}

/**
 * CreateUser with path and every tag inline, then the login profile, then one AddUserToGroup per
 * group: 2 + k calls for a user with a profile and k groups. When the user already exists (a retry
 * after a partial failure, or an adoption) it finishes what is missing instead of failing.
 */
export async function createUser(call: IamCall, delta: UserDelta): Promise<CreateResult> {
  const path = delta.path ?? "/";
  const wanted = { ...(delta.tagsSet ?? {}), ...markerTags(delta.channel, delta.sourceId) };
  const groups = delta.groupsAdd ?? [];
  let tags = wanted;
  let knownGroups: string[] = [];
  let alreadyExisted = false;
  try {
    await call(
      "CreateUser",
      new CreateUserCommand({ UserName: delta.userName, Path: path, Tags: tagList(wanted) }),
      delta.userName,
    );
  } catch (err) {
    if (!isCode(err, "EntityAlreadyExists")) throw err;
    alreadyExisted = true;
    const found = await finishExisting(call, delta, wanted, path);
    tags = found.tags;
    knownGroups = found.groups;
  }
  await applyLoginProfile(call, delta.userName, delta.loginProfile, alreadyExisted);
  await regroup(call, delta.userName, groups, []);
  const current: CurrentUser = {
    userName: delta.userName,
    path,
    tags: mappedTags(tags),
    groups: [...new Set([...knownGroups, ...groups])],
    enabled: true,
  };
  if (delta.loginProfile?.action === "create") current.hasLoginProfile = true;
  else if (!alreadyExisted) current.hasLoginProfile = false;
  return { current, alreadyExisted };
}

/**
 * The user is there: ours from an earlier attempt (complete its tags and path) or, with adopt, an
 * unmanaged one (mark it ours, and read its groups since nothing we know covers them).
 */
async function finishExisting(
  call: IamCall,
  delta: UserDelta,
  wanted: Record<string, string>,
  path: string,
): Promise<{ tags: Record<string, string>; groups: string[] }> {
  const got = await call("GetUser", new GetUserCommand({ UserName: delta.userName }), delta.userName);
  const have = tagRecord(got.User?.Tags);
  assertOwnable("CreateUser", delta.userName, have, delta);
  const adopted = !carriesMarker(have, delta.channel, delta.sourceId);
  const missing = missingTags(have, wanted);
  await retag(call, delta.userName, missing, []);
  if (got.User?.Path !== undefined && got.User.Path !== path) {
    await call("UpdateUser", new UpdateUserCommand({ UserName: delta.userName, NewPath: path }), delta.userName);
  }
  const groups = adopted ? await listUserGroups(call, delta.userName) : [];
  return { tags: mergeTags(have, missing), groups };
}

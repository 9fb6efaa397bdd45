import {
  CreateGroupCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DetachGroupPolicyCommand,
  GetGroupCommand,
  ListAttachedGroupPoliciesCommand,
  ListGroupPoliciesCommand,
  RemoveUserFromGroupCommand,
  UpdateGroupCommand,
} from "@aws-sdk/client-iam";
import { PermanentError } from "../../errors/PermanentError.js";
import { ProtectedIdentityError } from "../../errors/ProtectedIdentityError.js";
import type { IamCall } from "./call.js";
import { isCode } from "./classify.js";
import { unless } from "./idempotent.js";
import { collectPages } from "./paginate.js";

/**
 * IAM groups cannot be tagged, so a group is managed when its path lies under the channel's managed
 * path. Groups are renamed in place and deleted only when managed (DESIGN.md §6, §8).
 */

export interface GroupOutcome {
  calls: Record<string, number>;
  /** False when the group was already there (ours from an earlier attempt, or adopted). */
  created: boolean;
}

function underPath(path: string | undefined, managedPath: string): boolean {
  return path?.startsWith(managedPath) ?? false;
}

function notManagedGroup(action: string, name: string, detail: string): PermanentError {
  return new PermanentError({ code: "NotManaged", action, detail: `group ${name} ${detail}` });
}

export async function createGroup(
  call: IamCall,
  name: string,
  path: string,
  opts: { managedPath?: string; adopt?: boolean } = {},
): Promise<boolean> {
  const managedPath = opts.managedPath ?? path;
  try {
    await call("CreateGroup", new CreateGroupCommand({ GroupName: name, Path: path }));
    return true;
  } catch (err) {
    if (!isCode(err, "EntityAlreadyExists")) throw err;
  }
  const got = await call("GetGroup", new GetGroupCommand({ GroupName: name, MaxItems: 1 }));
  const existing = got.Group?.Path;
  if (underPath(existing, managedPath)) return false;
  if (!opts.adopt) {
    throw notManagedGroup(
      "CreateGroup",
      name,
      `exists outside the managed path ${managedPath} (path ${existing ?? "?"})`,
    );
  }
  // Moving it under the managed path is what marks an adopted group as ours.
  await call("UpdateGroup", new UpdateGroupCommand({ GroupName: name, NewPath: path }));
  return false;
}

/** In place with UpdateGroup: members and policies stay. A retry after the rename went through finds `to` managed. */
export async function renameGroup(
  call: IamCall,
  from: string,
  to: string,
  path: string,
  opts: { managedPath?: string } = {},
): Promise<void> {
  const managedPath = opts.managedPath ?? path;
  try {
    await call(
      "UpdateGroup",
      new UpdateGroupCommand({ GroupName: from, ...(from !== to ? { NewGroupName: to } : {}), NewPath: path }),
    );
  } catch (err) {
    if (from === to || !isCode(err, "NoSuchEntity")) throw err;
    const renamed = await unless("NoSuchEntity", () =>
      call("GetGroup", new GetGroupCommand({ GroupName: to, MaxItems: 1 })),
    );
    if (!underPath(renamed?.Group?.Path, managedPath)) throw err;
  }
}

export interface DeleteGroupOptions {
  managedPath: string;
  /** Remove the group's inline and attached policies too (`deleteGroupsWithPolicies`). */
  deletePolicies: boolean;
}

/**
 * Members out, policies off (only when allowed), then DeleteGroup. Policies are checked before any
 * member is removed so that a refusal leaves the group as it was, not half emptied.
 */
export async function deleteGroup(
  call: IamCall,
  name: string,
  opts: DeleteGroupOptions,
  isProtected: (userName: string) => boolean,
): Promise<void> {
  const m = (marker: string | undefined) => (marker ? { Marker: marker } : {});
  let path: string | undefined;
  const members = await unless("NoSuchEntity", () =>
    collectPages(
      (mk) => call("GetGroup", new GetGroupCommand({ GroupName: name, ...m(mk) })),
      (page) => {
        path ??= page.Group?.Path;
        return page.Users;
      },
    ),
  );
  if (!members) return;
  if (!underPath(path, opts.managedPath)) {
    throw notManagedGroup("DeleteGroup", name, `is outside the managed path ${opts.managedPath} (path ${path ?? "?"})`);
  }
  const memberNames = members.map((u) => u.UserName ?? "").filter(Boolean);
  const guarded = memberNames.find(isProtected);
  if (guarded !== undefined) throw new ProtectedIdentityError("DeleteGroup", guarded);

  const inline = await collectPages(
    (mk) => call("ListGroupPolicies", new ListGroupPoliciesCommand({ GroupName: name, ...m(mk) })),
    (page) => page.PolicyNames,
  );
  const attached = await collectPages(
    (mk) => call("ListAttachedGroupPolicies", new ListAttachedGroupPoliciesCommand({ GroupName: name, ...m(mk) })),
    (page) => page.AttachedPolicies,
  );
  if ((inline.length > 0 || attached.length > 0) && !opts.deletePolicies) {
    const names = [...inline, ...attached.map((p) => p.PolicyName ?? p.PolicyArn ?? "?")];
    throw new PermanentError({
      code: "GroupHasPolicies",
      action: "DeleteGroup",
      detail: `group ${name} still has policies (${names.join(", ")}); enable deleteGroupsWithPolicies to remove them`,
    });
  }
  for (const userName of memberNames) {
    await unless("NoSuchEntity", () =>
      call("RemoveUserFromGroup", new RemoveUserFromGroupCommand({ GroupName: name, UserName: userName }), userName),
    );
  }
  for (const policy of inline) {
    await unless("NoSuchEntity", () =>
      call("DeleteGroupPolicy", new DeleteGroupPolicyCommand({ GroupName: name, PolicyName: policy })),
    );
  }
  for (const p of attached) {
    await unless("NoSuchEntity", () =>
      call("DetachGroupPolicy", new DetachGroupPolicyCommand({ GroupName: name, PolicyArn: p.PolicyArn })),
    );
  }
  await unless("NoSuchEntity", () => call("DeleteGroup", new DeleteGroupCommand({ GroupName: name })));
}

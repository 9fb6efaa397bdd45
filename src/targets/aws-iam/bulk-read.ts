import { GetAccountAuthorizationDetailsCommand, type GroupDetail, type UserDetail } from "@aws-sdk/client-iam";
import type { ObservedGroup, ObservedState, ObservedUser } from "../../types.js";
import type { IamCall } from "./call.js";
import { tagRecord } from "./tags.js";

/**
 * Reads every IAM user and group of the account for a `full` run with GetAccountAuthorizationDetails:
 * 1,000 entities a call, with tags and group names, where ListUsers + per-user reads would cost 2N+1.
 */

const MAX_ITEMS = 1000;

export async function readObserved(call: IamCall): Promise<ObservedState> {
  const users: ObservedUser[] = [];
  const groups: ObservedGroup[] = [];
  let calls = 0;
  let marker: string | undefined;
  for (;;) {
    const page = await call(
      "GetAccountAuthorizationDetails",
      new GetAccountAuthorizationDetailsCommand({
        Filter: ["User", "Group"],
        MaxItems: MAX_ITEMS,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    calls += 1;
    for (const u of page.UserDetailList ?? []) users.push(observedUser(u));
    for (const g of page.GroupDetailList ?? []) groups.push(observedGroup(g));
    if (!page.IsTruncated) break;
    if (!page.Marker || page.Marker === marker) throw new Error("IAM returned IsTruncated without a new Marker");
    marker = page.Marker;
  }
  return { users, groups, readAt: new Date().toISOString(), calls };
}

/** Keeps every tag, the marker tags included: the sync engine needs them to tell managed users apart. */
function observedUser(u: UserDetail): ObservedUser {
  const user: ObservedUser = {
    userName: u.UserName ?? "",
    userId: u.UserId ?? "",
    arn: u.Arn ?? "",
    path: u.Path ?? "/",
    tags: tagRecord(u.Tags),
    groups: [...(u.GroupList ?? [])],
    hasInlinePolicies: (u.UserPolicyList ?? []).length > 0,
    attachedPolicies: (u.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn ?? p.PolicyName ?? "").filter(Boolean),
  };
  if (u.CreateDate) user.createDate = u.CreateDate.toISOString();
  if (u.PermissionsBoundary?.PermissionsBoundaryArn)
    user.permissionsBoundary = u.PermissionsBoundary.PermissionsBoundaryArn;
  return user;
}

function observedGroup(g: GroupDetail): ObservedGroup {
  return {
    groupName: g.GroupName ?? "",
    groupId: g.GroupId ?? "",
    arn: g.Arn ?? "",
    path: g.Path ?? "/",
    hasInlinePolicies: (g.GroupPolicyList ?? []).length > 0,
    attachedPolicies: (g.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn ?? p.PolicyName ?? "").filter(Boolean),
  };
}

/**
 * What every action module shares: the context a handler gets, and entity -> IAM response shapes
 * (member names as in the IAM API reference, which is what the SDK's deserialiser looks for).
 */
import type { PagingConfig } from "./paging.js";
import type { Params, XmlValue } from "./protocol.js";
import type { Account, GroupEntity, UserEntity } from "./state.js";

export interface ActionContext {
  account: Account;
  p: Params;
  paging: PagingConfig;
}

export type ActionResult = Record<string, XmlValue> | undefined;
export type Handler = (ctx: ActionContext) => ActionResult;

export function permissionsBoundaryXml(u: UserEntity): XmlValue {
  return u.permissionsBoundary
    ? { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: u.permissionsBoundary }
    : undefined;
}

/** ListUsers leaves out Tags and PermissionsBoundary; GetUser and CreateUser include them. */
export function userXml(a: Account, u: UserEntity, full: boolean): Record<string, XmlValue> {
  return {
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: a.userArn(u),
    CreateDate: u.createDate,
    PermissionsBoundary: full ? permissionsBoundaryXml(u) : undefined,
    Tags: full && u.tags.length > 0 ? u.tags.map((t) => ({ Key: t.Key, Value: t.Value })) : undefined,
  };
}

export function groupXml(a: Account, g: GroupEntity): Record<string, XmlValue> {
  return { Path: g.path, GroupName: g.groupName, GroupId: g.groupId, Arn: a.groupArn(g), CreateDate: g.createDate };
}

export function attachedXml(m: Map<string, string>): XmlValue {
  return [...m].map(([arn, name]) => ({ PolicyName: name, PolicyArn: arn }));
}

/** IAM returns policy documents URL-encoded. */
export function policyListXml(m: Map<string, string>): XmlValue {
  return [...m].map(([name, doc]) => ({ PolicyName: name, PolicyDocument: encodeURIComponent(doc) }));
}

/** Many credential calls default to the caller when UserName is omitted. */
export function userOrCaller(ctx: ActionContext): UserEntity {
  const name = ctx.p.str("UserName");
  return name === undefined ? ctx.account.caller() : ctx.account.user(name);
}

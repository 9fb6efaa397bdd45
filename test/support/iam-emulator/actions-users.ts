/** Users, their tags, inline and attached policies and permissions boundary. */
import { type PagingConfig, page } from "./paging.js";
import { err, type Params, type XmlValue } from "./protocol.js";
import { attachedXml, type Handler, userXml } from "./render.js";
import {
  checkPath,
  checkPathPrefix,
  checkPolicyArn,
  checkPolicyDocument,
  checkPolicyName,
  checkTagKeys,
  checkTags,
  checkUserName,
  LIMITS,
  type Tag,
} from "./rules.js";
import type { Account, UserEntity } from "./state.js";

function readTags(p: Params): Tag[] {
  return checkTags(p.structList("Tags", ["Key", "Value"]));
}

function tooManyTags(): Error {
  return err.limitExceeded(`Cannot exceed quota for TagsPerUser: ${LIMITS.tagsPerUser}`);
}

/** Keys compare ignoring case; a re-tag replaces the stored key with the new spelling. */
function mergeTags(existing: Tag[], incoming: Tag[]): Tag[] {
  const out = existing.map((t) => ({ ...t }));
  for (const t of incoming) {
    const i = out.findIndex((o) => o.Key.toLowerCase() === t.Key.toLowerCase());
    if (i >= 0) out[i] = { ...t };
    else out.push({ ...t });
  }
  return out;
}

/** The order AWS reports blockers in; the first one present names the error. */
function deleteBlocker(a: Account, u: UserEntity): string | undefined {
  if (u.loginProfile) return "must delete login profile first";
  if (u.accessKeys.length > 0) return "must delete access keys first";
  if (u.signingCertificates.length > 0) return "must delete signing certificates first";
  if (u.sshKeys.length > 0) return "must delete SSH public keys first";
  if (u.serviceCredentials.length > 0) return "must delete service specific credentials first";
  if (u.mfaDevices.length > 0) return "must delete MFA device first";
  if (u.inlinePolicies.size > 0) return "must delete policies first";
  if (u.attachedPolicies.size > 0) return "must detach all policies first";
  if (a.groupsOf(u).length > 0) return "must remove user from all groups first";
  return undefined;
}

function pathFilter(prefix: string | undefined): (path: string) => boolean {
  if (prefix === undefined) return () => true;
  checkPathPrefix(prefix);
  return (path) => path.startsWith(prefix);
}

export const userActions: Record<string, Handler> = {
  CreateUser({ account, p }) {
    const name = p.required("UserName");
    checkUserName(name);
    const path = p.str("Path") ?? "/";
    checkPath(path);
    const tags = readTags(p);
    if (tags.length > LIMITS.tagsPerUser) throw tooManyTags();
    const boundary = p.str("PermissionsBoundary");
    if (boundary !== undefined) checkPolicyArn(boundary);
    const u = account.addUser(name, path, tags);
    u.permissionsBoundary = boundary;
    return { User: userXml(account, u, true) };
  },

  GetUser({ account, p }) {
    const name = p.str("UserName");
    if (name !== undefined) checkUserName(name);
    const u = name === undefined ? account.caller() : account.user(name);
    return { User: userXml(account, u, true) };
  },

  UpdateUser({ account, p }) {
    const u = account.user(p.required("UserName"));
    const newName = p.str("NewUserName");
    const newPath = p.str("NewPath");
    if (newName !== undefined) checkUserName(newName, "newUserName");
    if (newPath !== undefined) checkPath(newPath, "newPath");
    if (newName !== undefined) {
      const holder = account.users.get(newName.toLowerCase());
      if (holder && holder !== u) throw err.alreadyExists(`User with name ${newName} already exists.`);
      account.users.delete(u.userName.toLowerCase());
      u.userName = newName;
      account.users.set(newName.toLowerCase(), u);
    }
    if (newPath !== undefined) u.path = newPath;
    return undefined;
  },

  DeleteUser({ account, p }) {
    const u = account.user(p.required("UserName"));
    const blocker = deleteBlocker(account, u);
    if (blocker) throw err.deleteConflict(`Cannot delete entity, ${blocker}.`);
    account.users.delete(u.userName.toLowerCase());
    account.usersById.delete(u.userId);
    return undefined;
  },

  ListUsers({ account, p, paging }) {
    const match = pathFilter(p.str("PathPrefix"));
    const all = [...account.users.values()].filter((u) => match(u.path)).sort(byLower);
    const pg = page(all, (u) => u.userName.toLowerCase(), p, paging);
    return { Users: pg.items.map((u) => userXml(account, u, false)), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },

  TagUser({ account, p }) {
    const u = account.user(p.required("UserName"));
    const merged = mergeTags(u.tags, readTags(p));
    if (merged.length > LIMITS.tagsPerUser) throw tooManyTags();
    u.tags = merged;
    return undefined;
  },

  UntagUser({ account, p }) {
    const u = account.user(p.required("UserName"));
    const keys = p.list("TagKeys");
    checkTagKeys(keys);
    const drop = new Set(keys.map((k) => k.toLowerCase()));
    u.tags = u.tags.filter((t) => !drop.has(t.Key.toLowerCase()));
    return undefined;
  },

  ListUserTags({ account, p, paging }) {
    const u = account.user(p.required("UserName"));
    // Tags keep insertion order in IAM; the index is the stable paging key.
    const indexed = u.tags.map((t, i) => ({ t, k: String(i).padStart(4, "0") }));
    const pg = page(indexed, (x) => x.k, p, paging);
    return {
      Tags: pg.items.map(({ t }) => ({ Key: t.Key, Value: t.Value })),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  PutUserPermissionsBoundary({ account, p }) {
    const u = account.user(p.required("UserName"));
    const arn = p.required("PermissionsBoundary");
    checkPolicyArn(arn);
    u.permissionsBoundary = arn;
    return undefined;
  },

  DeleteUserPermissionsBoundary({ account, p }) {
    const u = account.user(p.required("UserName"));
    if (!u.permissionsBoundary) throw err.noSuchEntity(`The user with name ${u.userName} has no permissions boundary.`);
    u.permissionsBoundary = undefined;
    return undefined;
  },

  PutUserPolicy({ account, p }) {
    const u = account.user(p.required("UserName"));
    const name = p.required("PolicyName");
    checkPolicyName(name);
    const doc = p.required("PolicyDocument");
    checkPolicyDocument(doc);
    u.inlinePolicies.set(name, doc);
    return undefined;
  },

  GetUserPolicy({ account, p }) {
    const u = account.user(p.required("UserName"));
    const name = p.required("PolicyName");
    const doc = u.inlinePolicies.get(name);
    if (doc === undefined) throw err.noSuchEntity(`The user policy with name ${name} cannot be found.`);
    return { UserName: u.userName, PolicyName: name, PolicyDocument: encodeURIComponent(doc) };
  },

  ListUserPolicies({ account, p, paging }) {
    const u = account.user(p.required("UserName"));
    const pg = page([...u.inlinePolicies.keys()].sort(), (n) => n, p, paging);
    return { PolicyNames: pg.items, IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },

  DeleteUserPolicy({ account, p }) {
    const u = account.user(p.required("UserName"));
    const name = p.required("PolicyName");
    if (!u.inlinePolicies.delete(name)) throw err.noSuchEntity(`The user policy with name ${name} cannot be found.`);
    return undefined;
  },

  AttachUserPolicy({ account, p }) {
    const u = account.user(p.required("UserName"));
    const arn = p.required("PolicyArn");
    const name = checkPolicyArn(arn);
    if (!u.attachedPolicies.has(arn) && u.attachedPolicies.size >= LIMITS.managedPoliciesPerUser) {
      throw err.limitExceeded(`Cannot exceed quota for PoliciesPerUser: ${LIMITS.managedPoliciesPerUser}`);
    }
    u.attachedPolicies.set(arn, name);
    return undefined;
  },

  DetachUserPolicy({ account, p }) {
    const u = account.user(p.required("UserName"));
    const arn = p.required("PolicyArn");
    checkPolicyArn(arn);
    if (!u.attachedPolicies.delete(arn)) throw err.noSuchEntity(`Policy ${arn} was not found.`);
    return undefined;
  },

  ListAttachedUserPolicies({ account, p, paging }) {
    const u = account.user(p.required("UserName"));
    return attachedPage(u.attachedPolicies, p, paging);
  },
};

export function attachedPage(m: Map<string, string>, p: Params, paging: PagingConfig): Record<string, XmlValue> {
  const prefix = p.str("PathPrefix");
  if (prefix !== undefined) checkPathPrefix(prefix);
  const entries = [...m]
    .filter(([arn]) => prefix === undefined || policyPath(arn).startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pg = page(entries, ([arn]) => arn, p, paging);
  return { AttachedPolicies: attachedXml(new Map(pg.items)), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
}

function policyPath(arn: string): string {
  const rest = arn.slice(arn.indexOf(":policy") + ":policy".length);
  return rest.slice(0, rest.lastIndexOf("/") + 1);
}

function byLower(a: UserEntity, b: UserEntity): number {
  const x = a.userName.toLowerCase();
  const y = b.userName.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

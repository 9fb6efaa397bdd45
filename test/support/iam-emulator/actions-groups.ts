/** Groups, memberships and group policies (groups can carry policies, which blocks DeleteGroup). */
import { attachedPage } from "./actions-users.js";
import { page } from "./paging.js";
import { err } from "./protocol.js";
import { groupXml, type Handler, userXml } from "./render.js";
import {
  checkGroupName,
  checkPath,
  checkPathPrefix,
  checkPolicyArn,
  checkPolicyDocument,
  checkPolicyName,
  checkUserName,
  LIMITS,
} from "./rules.js";

export const groupActions: Record<string, Handler> = {
  CreateGroup({ account, p }) {
    const name = p.required("GroupName");
    checkGroupName(name);
    const path = p.str("Path") ?? "/";
    checkPath(path);
    return { Group: groupXml(account, account.addGroup(name, path)) };
  },

  GetGroup({ account, p, paging }) {
    const g = account.group(p.required("GroupName"));
    const pg = page(account.membersOf(g), (u) => u.userName.toLowerCase(), p, paging);
    return {
      Group: groupXml(account, g),
      Users: pg.items.map((u) => userXml(account, u, false)),
      IsTruncated: pg.IsTruncated,
      Marker: pg.Marker,
    };
  },

  UpdateGroup({ account, p }) {
    const g = account.group(p.required("GroupName"));
    const newName = p.str("NewGroupName");
    const newPath = p.str("NewPath");
    if (newName !== undefined) checkGroupName(newName, "newGroupName");
    if (newPath !== undefined) checkPath(newPath, "newPath");
    if (newName !== undefined) {
      const holder = account.groups.get(newName.toLowerCase());
      if (holder && holder !== g) throw err.alreadyExists(`Group with name ${newName} already exists.`);
      account.groups.delete(g.groupName.toLowerCase());
      g.groupName = newName;
      account.groups.set(newName.toLowerCase(), g);
    }
    if (newPath !== undefined) g.path = newPath;
    return undefined;
  },

  DeleteGroup({ account, p }) {
    const g = account.group(p.required("GroupName"));
    if (g.memberIds.size > 0) throw err.deleteConflict("Cannot delete entity, must remove users from group first.");
    if (g.inlinePolicies.size > 0) throw err.deleteConflict("Cannot delete entity, must delete policies first.");
    if (g.attachedPolicies.size > 0) throw err.deleteConflict("Cannot delete entity, must detach all policies first.");
    account.groups.delete(g.groupName.toLowerCase());
    account.groupsById.delete(g.groupId);
    return undefined;
  },

  ListGroups({ account, p, paging }) {
    const prefix = p.str("PathPrefix");
    if (prefix !== undefined) checkPathPrefix(prefix);
    const all = [...account.groups.values()]
      .filter((g) => prefix === undefined || g.path.startsWith(prefix))
      .sort((a, b) => cmp(a.groupName.toLowerCase(), b.groupName.toLowerCase()));
    const pg = page(all, (g) => g.groupName.toLowerCase(), p, paging);
    return { Groups: pg.items.map((g) => groupXml(account, g)), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },

  AddUserToGroup({ account, p }) {
    const groupName = p.required("GroupName");
    const userName = p.required("UserName");
    checkGroupName(groupName);
    checkUserName(userName);
    account.addMember(account.group(groupName), account.user(userName));
    return undefined;
  },

  RemoveUserFromGroup({ account, p }) {
    const g = account.group(p.required("GroupName"));
    const u = account.user(p.required("UserName"));
    if (!g.memberIds.has(u.userId)) {
      throw err.noSuchEntity(`The user with name ${u.userName} cannot be found in group ${g.groupName}.`);
    }
    account.removeMember(g, u);
    return undefined;
  },

  ListGroupsForUser({ account, p, paging }) {
    const u = account.user(p.required("UserName"));
    const pg = page(account.groupsOf(u), (g) => g.groupName.toLowerCase(), p, paging);
    return { Groups: pg.items.map((g) => groupXml(account, g)), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },

  PutGroupPolicy({ account, p }) {
    const g = account.group(p.required("GroupName"));
    const name = p.required("PolicyName");
    checkPolicyName(name);
    const doc = p.required("PolicyDocument");
    checkPolicyDocument(doc);
    g.inlinePolicies.set(name, doc);
    return undefined;
  },

  GetGroupPolicy({ account, p }) {
    const g = account.group(p.required("GroupName"));
    const name = p.required("PolicyName");
    const doc = g.inlinePolicies.get(name);
    if (doc === undefined) throw err.noSuchEntity(`The group policy with name ${name} cannot be found.`);
    return { GroupName: g.groupName, PolicyName: name, PolicyDocument: encodeURIComponent(doc) };
  },

  DeleteGroupPolicy({ account, p }) {
    const g = account.group(p.required("GroupName"));
    const name = p.required("PolicyName");
    if (!g.inlinePolicies.delete(name)) throw err.noSuchEntity(`The group policy with name ${name} cannot be found.`);
    return undefined;
  },

  ListGroupPolicies({ account, p, paging }) {
    const g = account.group(p.required("GroupName"));
    const pg = page([...g.inlinePolicies.keys()].sort(), (n) => n, p, paging);
    return { PolicyNames: pg.items, IsTruncated: pg.IsTruncated, Marker: pg.Marker };
  },

  AttachGroupPolicy({ account, p }) {
    const g = account.group(p.required("GroupName"));
    const arn = p.required("PolicyArn");
    const name = checkPolicyArn(arn);
    if (!g.attachedPolicies.has(arn) && g.attachedPolicies.size >= LIMITS.managedPoliciesPerGroup) {
      throw err.limitExceeded(`Cannot exceed quota for PoliciesPerGroup: ${LIMITS.managedPoliciesPerGroup}`);
    }
    g.attachedPolicies.set(arn, name);
    return undefined;
  },

  DetachGroupPolicy({ account, p }) {
    const g = account.group(p.required("GroupName"));
    const arn = p.required("PolicyArn");
    checkPolicyArn(arn);
    if (!g.attachedPolicies.delete(arn)) throw err.noSuchEntity(`Policy ${arn} was not found.`);
    return undefined;
  },

  ListAttachedGroupPolicies({ account, p, paging }) {
    return attachedPage(account.group(p.required("GroupName")).attachedPolicies, p, paging);
  },
};

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

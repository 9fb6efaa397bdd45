import type { Entry } from "ldapts";
import type { LdapGroupsConfig } from "../../config/schema.js";
import { SourceReadError } from "../../errors/SourceReadError.js";
import type { SourceGroupRef } from "../../types.js";
import { MembershipGraph } from "../closure.js";
import type { ProblemLog } from "../data-store.js";
import type { LdapSession } from "./connection.js";
import { leafValue, tryNormalizeDn } from "./dn.js";
import { entryAttributes } from "./entry.js";
import { and, inChain, wrapFilter } from "./filter.js";
import { completeRanges, hasRanges } from "./range.js";

/**
 * The group side of an LDAP channel: reads group entries once into a catalog (ids, names, direct
 * members, nesting) and answers "which groups is this user in, through any nesting" from memory.
 * The catalog holds normalised member DNs, not raw entries; it is as large as the memberships.
 */

const MEMBER_ATTRIBUTES = ["member", "uniqueMember", "memberUid"] as const;

export interface CatalogGroup {
  /** Normalised DN. */
  id: string;
  name: string;
  attributes: Record<string, string[]>;
  /** Normalised DNs from member / uniqueMember (groups and users alike). */
  memberDns: string[];
  /** Lower-cased uids from posixGroup memberUid. */
  memberUids: string[];
}

/** `cn=x,dc=y#'0101'B` → `cn=x,dc=y`: uniqueMember's optional uid suffix (RFC 4517 NameAndOptionalUID). */
export function stripOptionalUid(value: string): string {
  return value.replace(/#'[01]*'B$/, "");
}

/** The attributes a group read asks for. */
export function groupAttributes(config: LdapGroupsConfig): string[] {
  const members = config.memberAttribute ? [config.memberAttribute] : [...MEMBER_ATTRIBUTES];
  return [...new Set([config.nameAttribute, "objectClass", "description", ...members])];
}

/** Groups that contain userDn through any nesting, asked of AD itself (LDAP_MATCHING_RULE_IN_CHAIN). */
export function inChainGroupsFilter(groupFilter: string, userDn: string): string {
  return and(wrapFilter(groupFilter), inChain("member", userDn));
}

/** Users in groupDn through any nesting, asked of AD itself. */
export function inChainMembersFilter(userFilter: string, groupDn: string): string {
  return and(wrapFilter(userFilter), inChain("memberOf", groupDn));
}

export class GroupCatalog {
  readonly groups = new Map<string, CatalogGroup>();
  private readonly byMemberDn = new Map<string, Set<string>>();
  private readonly byMemberUid = new Map<string, Set<string>>();
  readonly graph = new MembershipGraph();

  constructor(readonly config: LdapGroupsConfig) {}

  /** Reads every group under the group base DN matching the group filter. */
  static async load(
    session: LdapSession,
    config: LdapGroupsConfig,
    baseDn: string,
    problems: ProblemLog,
  ): Promise<GroupCatalog> {
    const catalog = new GroupCatalog(config);
    const base = config.baseDn ?? baseDn;
    for await (const entries of session.pages({
      base,
      scope: "sub",
      filter: config.filter,
      attributes: groupAttributes(config),
    })) {
      for (const entry of entries) {
        const group = await toCatalogGroup(session, config, entry, problems);
        if (group) catalog.add(group);
      }
    }
    catalog.link();
    return catalog;
  }

  add(group: CatalogGroup): void {
    this.groups.set(group.id, group);
    for (const dn of group.memberDns) addTo(this.byMemberDn, dn, group.id);
    for (const uid of group.memberUids) addTo(this.byMemberUid, uid, group.id);
  }

  /** Builds the nesting graph once every group is known (a member may be read before its group). */
  link(): void {
    for (const group of this.groups.values()) {
      for (const dn of group.memberDns) if (this.groups.has(dn)) this.graph.addNesting(group.id, dn);
    }
  }

  /** Groups listing the user directly: by DN (member / uniqueMember) or by uid (memberUid). */
  directGroupsOf(userDn: string, uids: string[]): Set<string> {
    const direct = new Set(this.byMemberDn.get(userDn) ?? []);
    for (const uid of uids) for (const g of this.byMemberUid.get(uid.toLowerCase()) ?? []) direct.add(g);
    return direct;
  }

  /** The user's groups, flattened through nesting unless nesting is off; unknown group ids are dropped. */
  refsFor(direct: Iterable<string>): SourceGroupRef[] {
    const known = [...direct].filter((id) => this.groups.has(id));
    const all = this.config.nested ? this.graph.closureOf(known) : new Set(known);
    return [...all].sort().map((id) => ({ id, name: (this.groups.get(id) as CatalogGroup).name }));
  }

  /** Member DNs and uids of a group and, when nested, of every group inside it. */
  flattenedMembers(groupId: string): { dns: Set<string>; uids: Set<string> } {
    const dns = new Set<string>();
    const uids = new Set<string>();
    const groups = this.config.nested ? this.graph.descendants(groupId) : new Set([groupId]);
    for (const id of groups) {
      const group = this.groups.get(id);
      if (!group) continue;
      for (const dn of group.memberDns) if (!this.groups.has(dn)) dns.add(dn);
      for (const uid of group.memberUids) uids.add(uid);
    }
    return { dns, uids };
  }

  hasUidMembers(): boolean {
    return this.byMemberUid.size > 0;
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

/** Reads an entry's attributes, following AD range slices (large groups) to the end. */
export async function readEntry(session: LdapSession, entry: Entry): Promise<Record<string, string[]>> {
  const attributes = entryAttributes(entry);
  if (!hasRanges(attributes)) return attributes;
  try {
    return await completeRanges(entry.dn, attributes, async (dn, requestType) => {
      const [slice] = await session.search({
        base: dn,
        scope: "base",
        filter: "(objectClass=*)",
        attributes: [requestType],
      });
      return slice ? entryAttributes(slice) : {};
    });
  } catch (err) {
    if (err instanceof SourceReadError) throw err;
    throw session.readError(entry.dn, err);
  }
}

async function toCatalogGroup(
  session: LdapSession,
  config: LdapGroupsConfig,
  entry: Entry,
  problems: ProblemLog,
): Promise<CatalogGroup | undefined> {
  const id = tryNormalizeDn(entry.dn);
  if (!id) {
    problems.record({ kind: "bad-dn", entry: entry.dn, message: "group DN does not parse; group skipped" });
    return undefined;
  }
  const attributes = await readEntry(session, entry);
  const memberDns: string[] = [];
  for (const attr of ["member", "uniquemember"]) {
    for (const value of attributes[attr] ?? []) {
      const dn = tryNormalizeDn(stripOptionalUid(value));
      if (dn) memberDns.push(dn);
      else
        problems.record({
          kind: "bad-dn",
          entry: entry.dn,
          message: `member ${JSON.stringify(value)} does not parse; ignored`,
        });
    }
  }
  const memberUids = (attributes.memberuid ?? []).map((u) => u.trim().toLowerCase()).filter((u) => u !== "");
  const name = attributes[config.nameAttribute.toLowerCase()]?.[0] ?? leafValue(entry.dn) ?? id;
  for (const attr of ["member", "uniquemember", "memberuid"]) delete attributes[attr];
  return { id, name, attributes, memberDns, memberUids };
}

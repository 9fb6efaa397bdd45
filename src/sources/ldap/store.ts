import type { Entry } from "ldapts";
import { chunks } from "../../chunks.js";
import type { LdapSourceConfig, LdapStoreConfig } from "../../config/schema.js";
import { SourceReadError } from "../../errors/SourceReadError.js";
import type { SourceGroup, SourceGroupRef, SourceUser, UserReadOptions } from "../../types.js";
import {
  type DataStore,
  type DataStoreOptions,
  mapLimit,
  ProblemLog,
  type SourceProblemSummary,
} from "../data-store.js";
import { LdapSession } from "./connection.js";
import { disabledRuleAttributes, isDisabled } from "./disabled.js";
import { leafValue, tryNormalizeDn } from "./dn.js";
import { attributeValues, entryText } from "./entry.js";
import { and, equals, or, wrapFilter } from "./filter.js";
import { GroupCatalog, inChainGroupsFilter, inChainMembersFilter, readEntry } from "./groups.js";
import { guidToBytes, isGuid } from "./guid.js";

/** Values per lookup filter: keeps each filter well under server limits on filter size. */
const LOOKUP_CHUNK = 50;
/** In-chain lookups in flight at once (AD's per-user LDAP_MATCHING_RULE_IN_CHAIN searches). */
const IN_CHAIN_CONCURRENCY = 8;

/** How a read attaches groups to users. */
type Membership = { kind: "none" } | { kind: "catalog"; catalog: GroupCatalog } | { kind: "inChain" };

/**
 * The LDAP / Active Directory data store. Each read opens its own connection, so users(), groups()
 * and lookups can run side by side, and close() ends whatever is still open.
 */
export class LdapDataStore implements DataStore {
  private readonly sessions = new Set<LdapSession>();
  private readonly problemLog: ProblemLog;
  private readonly userAttributes: string[];
  private readonly idKey: string;
  /** The id attribute's name as the server spells it, once seen. */
  private idType: string | undefined;

  constructor(
    private readonly store: LdapStoreConfig,
    private readonly source: LdapSourceConfig,
    private readonly opts: DataStoreOptions,
  ) {
    this.problemLog = new ProblemLog(source.dataStore, opts.logger);
    this.idKey = source.idAttribute.toLowerCase();
    const groups = source.groups;
    const wanted = [
      ...opts.attributes,
      ...source.attributes,
      source.idAttribute,
      source.nameAttribute,
      ...disabledRuleAttributes(source.disabled),
      ...(groups?.from === "memberOf" && !groups.matchingRuleInChain ? ["memberOf"] : []),
      ...(groups?.from === "entries" && (groups.memberAttribute ?? "memberUid") === "memberUid" ? ["uid"] : []),
    ];
    const seen = new Set<string>();
    this.userAttributes = wanted.filter((a) => !seen.has(a.toLowerCase()) && seen.add(a.toLowerCase()));
  }

  async *users(opts: UserReadOptions = {}): AsyncGenerator<SourceUser[]> {
    const session = this.session();
    try {
      const membership = await this.membership(session);
      for await (const entries of session.pages(this.userSearch(this.source.filter))) {
        if (opts.ready) await opts.ready;
        const page = await this.toUsers(session, entries, membership, opts);
        if (page.length > 0) yield page;
      }
    } finally {
      await this.release(session);
    }
  }

  async *groups(): AsyncGenerator<SourceGroup[]> {
    const config = this.source.groups;
    if (!config) return;
    const session = this.session();
    try {
      const catalog = await GroupCatalog.load(session, config, this.source.baseDn, this.problemLog);
      const index = config.matchingRuleInChain ? undefined : await this.userIndex(session, catalog.hasUidMembers());
      for (const ids of chunks([...catalog.groups.keys()].sort(), this.store.pageSize)) {
        const page: SourceGroup[] = [];
        for (const id of ids) {
          const group = catalog.groups.get(id);
          if (!group) continue;
          let members: string[];
          if (index) {
            const flat = catalog.flattenedMembers(id);
            const found = new Set<string>();
            for (const dn of flat.dns) {
              const sourceId = index.byDn.get(dn);
              if (sourceId) found.add(sourceId);
            }
            for (const uid of flat.uids) for (const sourceId of index.byUid.get(uid) ?? []) found.add(sourceId);
            members = [...found];
          } else {
            members = await this.inChainMembers(session, id);
          }
          page.push({ id, name: group.name, dn: id, attributes: group.attributes, members: members.sort() });
        }
        if (page.length > 0) yield page;
      }
    } finally {
      await this.release(session);
    }
  }

  async findUsers(query: { ids?: string[]; names?: string[] }): Promise<SourceUser[]> {
    const terms: string[] = [];
    for (const id of query.ids ?? []) {
      if (this.idKey === "objectguid") {
        // Not a GUID cannot match an objectGUID: absent, like any other unknown id.
        if (isGuid(id)) terms.push(equals(this.source.idAttribute, guidToBytes(id)));
      } else {
        terms.push(equals(this.source.idAttribute, id));
      }
    }
    for (const name of query.names ?? []) terms.push(equals(this.source.nameAttribute, name));
    if (terms.length === 0) return [];
    const session = this.session();
    try {
      const membership = await this.membership(session);
      const found = new Map<string, SourceUser>();
      for (const chunk of chunks(terms, LOOKUP_CHUNK)) {
        const filter = and(wrapFilter(this.source.filter), or(...chunk));
        for await (const entries of session.pages(this.userSearch(filter))) {
          for (const user of await this.toUsers(session, entries, membership)) found.set(user.sourceId, user);
        }
      }
      return [...found.values()];
    } finally {
      await this.release(session);
    }
  }

  async check(): Promise<void> {
    const session = this.session();
    try {
      await session.open();
      // A base DN that does not exist fails here, rather than reading as an empty directory later.
      await session.search({ base: this.source.baseDn, scope: "base", filter: "(objectClass=*)", attributes: ["1.1"] });
    } finally {
      await this.release(session);
    }
  }

  problems(): SourceProblemSummary {
    return this.problemLog.snapshot();
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => this.release(s)));
  }

  private session(): LdapSession {
    const session = new LdapSession(this.store, this.source.dataStore, this.opts.logger, [this.source.idAttribute]);
    this.sessions.add(session);
    return session;
  }

  private async release(session: LdapSession): Promise<void> {
    this.sessions.delete(session);
    await session.close();
  }

  private userSearch(filter: string) {
    return { base: this.source.baseDn, scope: this.source.scope, filter, attributes: this.userAttributes };
  }

  private async membership(session: LdapSession): Promise<Membership> {
    const config = this.source.groups;
    if (!config) return { kind: "none" };
    if (config.matchingRuleInChain) return { kind: "inChain" };
    return { kind: "catalog", catalog: await GroupCatalog.load(session, config, this.source.baseDn, this.problemLog) };
  }

  private async toUsers(
    session: LdapSession,
    entries: Entry[],
    membership: Membership,
    opts: UserReadOptions = {},
  ): Promise<SourceUser[]> {
    const out: SourceUser[] = [];
    const rest: { entry: Entry; text?: string; fp?: string }[] = [];
    const { fingerprint, skip } = opts;
    for (const entry of entries) {
      if (!fingerprint) {
        rest.push({ entry });
        continue;
      }
      // The entry and its groups are all that shape the person: an unchanged one is settled here, before
      // its attributes are decoded. Groups come from the catalog already in memory (AD's in-chain
      // lookups, one search per user, are left to the full read).
      const text = entryText(entry);
      const groups = membership.kind === "inChain" ? undefined : this.quickGroups(entry, membership);
      const fp = groups ? fingerprint(withGroups(text, groups)) : undefined;
      const id = fp !== undefined ? this.quickId(entry) : undefined;
      if (id !== undefined && fp !== undefined && groups && skip?.(id, fp, groups)) continue;
      rest.push({ entry, text, ...(membership.kind === "none" && fp !== undefined ? { fp } : {}) });
    }
    const users = await mapLimit(rest, IN_CHAIN_CONCURRENCY, async ({ entry, text, fp }) => {
      const user = await this.toUser(session, entry, membership);
      // The full read's groups make the fingerprint (they can differ from the quick ones: a ranged memberOf).
      if (user && fingerprint && text !== undefined)
        user.fingerprint = fp ?? fingerprint(withGroups(text, user.groups));
      return user;
    });
    for (const u of users) if (u) out.push(u);
    return out;
  }

  /** The user's groups from the catalog and the raw entry, as groupsOf finds them; undefined if it cannot tell. */
  private quickGroups(entry: Entry, membership: Membership): SourceGroupRef[] | undefined {
    const config = this.source.groups;
    if (membership.kind === "none" || !config) return [];
    if (membership.kind !== "catalog") return undefined;
    try {
      if (config.from === "memberOf") return this.memberOfRefs(membership.catalog, attributeValues(entry, "memberof"));
      const dn = tryNormalizeDn(entry.dn);
      return dn
        ? membership.catalog.refsFor(membership.catalog.directGroupsOf(dn, attributeValues(entry, "uid")))
        : undefined;
    } catch {
      return undefined;
    }
  }

  private memberOfRefs(catalog: GroupCatalog, values: string[]): SourceGroupRef[] {
    // Groups outside the group base DN / filter are not the channel's groups: refsFor drops them.
    const direct = values.map((v) => tryNormalizeDn(v)).filter((v): v is string => !!v);
    return catalog.refsFor(direct);
  }

  /** The entry's source id when it has exactly one that decodes; the full read reports any other case. */
  private quickId(entry: Entry): string | undefined {
    // Servers spell the attribute the same way in every entry: a plain string value is the id as is.
    const raw = this.idType !== undefined ? entry[this.idType] : undefined;
    if (typeof raw === "string" && this.idKey !== "objectguid") return raw;
    try {
      const ids = attributeValues(entry, this.idKey, (type) => {
        this.idType = type;
      });
      return ids.length === 1 ? ids[0] : undefined;
    } catch {
      return undefined;
    }
  }

  private async toUser(session: LdapSession, entry: Entry, membership: Membership): Promise<SourceUser | undefined> {
    const dn = tryNormalizeDn(entry.dn);
    if (!dn) {
      this.problemLog.record({ kind: "bad-dn", entry: entry.dn, message: "DN does not parse; entry skipped" });
      return undefined;
    }
    const attributes = await readDecodable(session, entry, (message) =>
      this.problemLog.record({ kind: "bad-value", entry: entry.dn, message: `${message}; entry skipped` }),
    );
    if (!attributes) return undefined;
    const ids = attributes[this.idKey] ?? [];
    if (ids.length !== 1) {
      this.problemLog.record({
        kind: ids.length === 0 ? "missing-id" : "ambiguous-id",
        entry: entry.dn,
        message: `${ids.length === 0 ? "no" : ids.length} ${this.source.idAttribute} value${ids.length === 0 ? "" : "s"}; entry skipped`,
      });
      return undefined;
    }
    return {
      sourceId: ids[0] as string,
      dn,
      attributes,
      groups: await this.groupsOf(session, entry.dn, dn, attributes, membership),
      disabled: isDisabled(this.source.disabled, attributes),
    };
  }

  private async groupsOf(
    session: LdapSession,
    rawDn: string,
    dn: string,
    attributes: Record<string, string[]>,
    membership: Membership,
  ): Promise<SourceGroupRef[]> {
    const config = this.source.groups;
    if (membership.kind === "none" || !config) return [];
    if (membership.kind === "inChain") {
      const entries = await session.search({
        base: config.baseDn ?? this.source.baseDn,
        scope: "sub",
        filter: inChainGroupsFilter(config.filter, rawDn),
        attributes: [config.nameAttribute],
      });
      const refs: SourceGroupRef[] = [];
      for (const e of entries) {
        const id = tryNormalizeDn(e.dn);
        if (!id) continue;
        const name = (await readEntry(session, e))[config.nameAttribute.toLowerCase()]?.[0] ?? leafValue(e.dn) ?? id;
        refs.push({ id, name });
      }
      return refs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    const { catalog } = membership;
    if (config.from === "memberOf") return this.memberOfRefs(catalog, attributes.memberof ?? []);
    return catalog.refsFor(catalog.directGroupsOf(dn, attributes.uid ?? []));
  }

  /** Normalised DN → source id (and uid → source ids) of every user in scope, for group members. */
  private async userIndex(session: LdapSession, withUids: boolean) {
    const byDn = new Map<string, string>();
    const byUid = new Map<string, string[]>();
    const attributes = withUids ? [this.source.idAttribute, "uid"] : [this.source.idAttribute];
    for await (const entries of session.pages({ ...this.userSearch(this.source.filter), attributes })) {
      for (const entry of entries) {
        const dn = tryNormalizeDn(entry.dn);
        // An undecodable entry is counted when users() reads it; a failed read still throws.
        const attrs = await readDecodable(session, entry);
        const id = attrs?.[this.idKey];
        if (!dn || !attrs || id?.length !== 1) continue;
        byDn.set(dn, id[0] as string);
        for (const uid of attrs.uid ?? []) {
          const key = uid.toLowerCase();
          byUid.set(key, [...(byUid.get(key) ?? []), id[0] as string]);
        }
      }
    }
    return { byDn, byUid };
  }

  private async inChainMembers(session: LdapSession, groupId: string): Promise<string[]> {
    const found = new Set<string>();
    const filter = inChainMembersFilter(this.source.filter, groupId);
    for await (const entries of session.pages({ ...this.userSearch(filter), attributes: [this.source.idAttribute] })) {
      for (const entry of entries) {
        const id = (await readDecodable(session, entry))?.[this.idKey];
        if (id?.length === 1) found.add(id[0] as string);
      }
    }
    return [...found];
  }
}

/** readEntry, with an undecodable value (a 15-byte objectGUID) reported instead of thrown; read failures still throw. */
async function readDecodable(
  session: LdapSession,
  entry: Entry,
  onBadValue?: (message: string) => void,
): Promise<Record<string, string[]> | undefined> {
  try {
    return await readEntry(session, entry);
  } catch (err) {
    if (err instanceof SourceReadError || !(err instanceof Error)) throw err;
    onBadValue?.(err.message);
    return undefined;
  }
}

/** What a fingerprint covers: the raw entry and, when the channel reads groups, the groups found for it. */
function withGroups(text: string, groups: SourceGroupRef[]): string {
  return groups.length === 0 ? text : `${text}${JSON.stringify(groups)}`;
}

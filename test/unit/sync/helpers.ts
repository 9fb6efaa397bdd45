import type { ChannelConfig, ChannelOptions } from "../../../src/config/schema.js";
import type { PlanSource } from "../../../src/sync/plan.js";
import type { SourceUser, UserReadOptions } from "../../../src/types.js";

export const KEY = Buffer.alloc(32, 7);

export const DEFAULT_OPTIONS: ChannelOptions = {
  create: true,
  update: true,
  remove: true,
  removeAction: "disable",
  provisionDisabled: false,
  groups: true,
  adopt: false,
};

type ChannelOverrides = Omit<Partial<ChannelConfig>, "options" | "guards"> & {
  options?: Partial<ChannelOptions>;
  guards?: Partial<ChannelConfig["guards"]>;
};

/** A channel as the loader would produce it, with generous guards so tests opt into them. */
export function makeChannel(over: ChannelOverrides = {}): ChannelConfig {
  const { options, guards, ...rest } = over;
  return {
    name: "eng",
    active: true,
    target: "aws",
    path: "/provisioner/eng/",
    source: {
      type: "ldap",
      dataStore: "dir",
      baseDn: "ou=people,dc=example,dc=com",
      scope: "sub",
      filter: "(objectClass=inetOrgPerson)",
      idAttribute: "entryUUID",
      nameAttribute: "uid",
      attributes: [],
      disabled: { rule: "none" },
    },
    mapping: { userName: "{{ uid }}", tags: { email: "{{ mail }}" } },
    groups: { name: "{{ name }}", include: [], exclude: [] },
    schedule: { timezone: "UTC" },
    ...rest,
    options: { ...DEFAULT_OPTIONS, ...options },
    guards: { maxDeletes: 1_000_000, blockEmptySource: true, ...guards },
  };
}

export function person(
  id: string,
  uid: string,
  extra: { mail?: string; groups?: string[]; disabled?: boolean; attrs?: Record<string, string> } = {},
): SourceUser {
  const attributes: Record<string, string[]> = { uid: [uid], mail: [extra.mail ?? `${uid}@example.com`] };
  for (const [k, v] of Object.entries(extra.attrs ?? {})) attributes[k.toLowerCase()] = [v];
  return {
    sourceId: id,
    attributes,
    groups: (extra.groups ?? []).map((g) => ({ id: `cn=${g},ou=groups`, name: g })),
    disabled: extra.disabled ?? false,
  };
}

/**
 * A data store over arrays, paged like the real ones; `failAfter` throws mid-read. With `fingerprints`
 * it makes fingerprints and leaves out whoever the plan skips (handing over their groups), as the LDAP store does.
 */
export function source(
  users: SourceUser[],
  opts: { pageSize?: number; failAfter?: number; fingerprints?: boolean } = {},
): PlanSource {
  const size = opts.pageSize ?? 2;
  return {
    async *users(read: UserReadOptions = {}) {
      for (let k = 0; k < users.length; k += size) {
        if (opts.failAfter !== undefined && k >= opts.failAfter) throw new Error("LDAP connection reset");
        const page = users.slice(k, k + size);
        const { fingerprint, skip, ready } = read;
        if (!opts.fingerprints || !fingerprint) {
          yield page;
          continue;
        }
        await ready;
        const out: SourceUser[] = [];
        for (const u of page) {
          const fp = fingerprint(JSON.stringify(u));
          if (!skip?.(u.sourceId, fp, u.groups)) out.push({ ...u, fingerprint: fp });
        }
        yield out;
      }
      if (opts.failAfter !== undefined && users.length <= opts.failAfter) throw new Error("LDAP connection reset");
    },
    async findUsers(q) {
      const ids = new Set(q.ids ?? []);
      return users.filter((u) => ids.has(u.sourceId));
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LdapSourceConfig } from "../../src/config/schema.js";
import { SourceReadError } from "../../src/errors/SourceReadError.js";
import { openDataStore } from "../../src/sources/index.js";
import { fingerprinter } from "../../src/sync/memo.js";
import type { SourceGroup, SourceUser } from "../../src/types.js";
import { services } from "../support/env.js";
import {
  createSubtree,
  expectSkipsAgreeWithFullRead,
  ldapSource,
  ldapStore,
  loadFixture,
  removeSubtree,
} from "../support/ldap-fixtures.js";
import { readAll } from "../support/pages.js";

/** The LDAP data store against the local slapd, on the OpenLDAP-style fixture. */

let base: string;

beforeAll(async () => {
  base = await createSubtree("example", "source-ldap");
  await loadFixture("example", "openldap.ldif", base);
});

afterAll(async () => {
  if (base) await removeSubtree("example", base);
});

function source(overrides: Partial<LdapSourceConfig> = {}): { type: "ldap" } & LdapSourceConfig {
  return ldapSource({
    baseDn: `ou=people,${base}`,
    disabled: { rule: "attributeEquals", attribute: "employeeType", value: "disabled" },
    groups: {
      baseDn: `ou=groups,${base}`,
      filter: "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
    },
    ...overrides,
  });
}

function byUid(users: SourceUser[]): Map<string, SourceUser> {
  return new Map(users.map((u) => [u.attributes.uid?.[0] ?? "?", u]));
}

function groupNames(user: SourceUser | undefined): string[] {
  return (user?.groups ?? []).map((g) => g.name).sort();
}

describe("LDAP data store (OpenLDAP fixture)", () => {
  it("reads users with entryUUID ids, requested attributes, disabled flags and flattened groups", async () => {
    const store = openDataStore(ldapStore("example"), source(), { attributes: ["cn", "mail", "givenName"] });
    try {
      const users = byUid(await readAll(store.users()));
      expect(users.size).toBe(12);
      const alice = users.get("alice");
      expect(alice?.sourceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(alice?.dn).toBe(`uid=alice,ou=people,${base}`.toLowerCase());
      expect(alice?.attributes.mail).toEqual(["alice@example.com"]);
      expect(alice?.attributes.givenname).toEqual(["Alice"]);
      expect(alice?.attributes.entryuuid).toEqual([alice?.sourceId]);
      expect(alice?.disabled).toBe(false);
      // "Disabled" in the entry, "disabled" in the rule: compared ignoring case.
      expect(users.get("carol")?.disabled).toBe(true);

      expect(groupNames(alice)).toEqual(["admins", "posix"]);
      // Member written as CN=Smith\2C John,OU=People: matched to cn=Smith\, John,ou=people.
      expect(groupNames(users.get("smithj"))).toEqual(["admins"]);
      // uniqueMember with #'0101'B, and the multi-valued RDN in the other order.
      expect(groupNames(users.get("bob"))).toEqual(["uniq"]);
      expect(groupNames(users.get("multi"))).toEqual(["uniq"]);
      expect(groupNames(users.get("jose"))).toEqual(["posix"]);
      expect(groupNames(users.get("dave"))).toEqual(["A", "B", "C"]);
      expect(groupNames(users.get("erin"))).toEqual(["X", "Y"]);
      expect(groupNames(users.get("lilei"))).toEqual(["R+D Team"]);
      expect(groupNames(users.get("hash"))).toEqual(["R+D Team"]);
      expect(groupNames(users.get("quoted"))).toEqual(['"Quoted" Group']);
      expect(groupNames(users.get("carol"))).toEqual([]);
      // Group ids are normalised DNs.
      expect(alice?.groups.map((g) => g.id)).toContain(`cn=admins,ou=groups,${base}`.toLowerCase());
    } finally {
      await store.close();
    }
  });

  it("preserves non-ASCII values and DNs", async () => {
    const store = openDataStore(ldapStore("example"), source(), { attributes: ["cn", "sn", "givenName"] });
    try {
      const users = byUid(await readAll(store.users()));
      expect(users.get("jose")?.attributes.cn).toEqual(["José Müller"]);
      expect(users.get("jose")?.attributes.givenname).toEqual(["José"]);
      expect(users.get("lilei")?.attributes.cn).toEqual(["李雷"]);
      expect(users.get("lilei")?.dn).toBe(`cn=李雷,ou=people,${base}`.toLowerCase());
      expect(users.get("smithj")?.dn).toBe(`cn=smith\\, john,ou=people,${base}`.toLowerCase());
    } finally {
      await store.close();
    }
  });

  it("does not flatten when nesting is off", async () => {
    const s = source();
    const store = openDataStore(
      ldapStore("example"),
      { ...s, groups: s.groups && { ...s.groups, nested: false } },
      {
        attributes: [],
      },
    );
    try {
      const users = byUid(await readAll(store.users()));
      expect(groupNames(users.get("dave"))).toEqual(["C"]);
      expect(groupNames(users.get("erin"))).toEqual(["X"]);
    } finally {
      await store.close();
    }
  });

  it("reads groups with flattened members, ignoring members that do not exist", async () => {
    const store = openDataStore(ldapStore("example"), source(), { attributes: ["uid"] });
    try {
      const users = byUid(await readAll(store.users()));
      const id = (uid: string) => users.get(uid)?.sourceId as string;
      const groups = new Map<string, SourceGroup>((await readAll(store.groups())).map((g) => [g.name, g]));
      expect([...groups.keys()].sort()).toEqual([
        '"Quoted" Group',
        "A",
        "B",
        "C",
        "R+D Team",
        "X",
        "Y",
        "admins",
        "posix",
        "uniq",
      ]);
      expect(groups.get("admins")?.members).toEqual([id("alice"), id("smithj")].sort());
      expect(groups.get("admins")?.attributes.description).toEqual(["administrators"]);
      expect(groups.get("posix")?.members).toEqual([id("alice"), id("jose")].sort());
      expect(groups.get("A")?.members).toEqual([id("dave")]);
      expect(groups.get("Y")?.members).toEqual([id("erin")]);
      expect(groups.get("uniq")?.members).toEqual([id("bob"), id("multi")].sort());
      expect(groups.get("R+D Team")?.members).toEqual([id("hash"), id("lilei")].sort());
      expect(groups.get("A")?.id).toBe(`cn=a,ou=groups,${base}`.toLowerCase());
    } finally {
      await store.close();
    }
  });

  it("reads groups from memberOf (groupOfNames, through the overlay), nested", async () => {
    const s = source();
    const store = openDataStore(
      ldapStore("example"),
      { ...s, groups: s.groups && { ...s.groups, from: "memberOf", filter: "(objectClass=groupOfNames)" } },
      { attributes: [] },
    );
    try {
      const users = byUid(await readAll(store.users()));
      expect(users.get("alice")?.attributes.memberof).toHaveLength(1);
      expect(groupNames(users.get("alice"))).toEqual(["admins"]);
      expect(groupNames(users.get("smithj"))).toEqual(["admins"]);
      expect(groupNames(users.get("dave"))).toEqual(["A", "B", "C"]);
      expect(groupNames(users.get("erin"))).toEqual(["X", "Y"]);
      expect(groupNames(users.get("lilei"))).toEqual(["R+D Team"]);
    } finally {
      await store.close();
    }
  });

  it("skips and counts an entry without the id attribute", async () => {
    const store = openDataStore(ldapStore("example"), source({ idAttribute: "employeeNumber" }), { attributes: [] });
    try {
      const users = await readAll(store.users());
      expect(users).toHaveLength(11);
      expect(users.find((u) => u.attributes.uid?.[0] === "noid")).toBeUndefined();
      expect(users.find((u) => u.attributes.uid?.[0] === "alice")?.sourceId).toBe("1001");
      const problems = store.problems();
      expect(problems.count).toBe(1);
      expect(problems.byKind["missing-id"]).toBe(1);
      expect(problems.samples[0]?.entry).toContain("uid=noid");
    } finally {
      await store.close();
    }
  });

  it("finds users by id and by name; unknown ones and filter tricks are simply absent", async () => {
    const store = openDataStore(ldapStore("example"), source(), { attributes: [] });
    try {
      const all = byUid(await readAll(store.users()));
      const alice = all.get("alice") as SourceUser;
      const byId = await store.findUsers({ ids: [alice.sourceId, "00000000-0000-0000-0000-000000000000"] });
      expect(byId.map((u) => u.attributes.uid?.[0])).toEqual(["alice"]);
      expect(groupNames(byId[0])).toEqual(["admins", "posix"]);
      const byName = await store.findUsers({ names: ["dave", "jose", "nobody", "*", "a*)(uid=*"] });
      expect(byName.map((u) => u.attributes.uid?.[0]).sort()).toEqual(["dave", "jose"]);
      expect(groupNames(byName.find((u) => u.attributes.uid?.[0] === "dave"))).toEqual(["A", "B", "C"]);
      expect(await store.findUsers({})).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("checks the connection and the base DN; a missing base DN is a SourceReadError, not an empty read", async () => {
    const ok = openDataStore(ldapStore("example"), source(), { attributes: [] });
    await ok.check();
    await ok.close();
    const missing = openDataStore(ldapStore("example"), source({ baseDn: `ou=nowhere,${base}` }), { attributes: [] });
    try {
      await expect(missing.check()).rejects.toBeInstanceOf(SourceReadError);
      await expect(readAll(missing.users())).rejects.toThrow(/ou=nowhere/);
    } finally {
      await missing.close();
    }
  });

  it("fails a wrong password with a SourceReadError that does not contain it", async () => {
    const store = openDataStore(ldapStore("example", { bindPassword: "not-the-password-xyz" }), source(), {
      attributes: [],
    });
    try {
      const err = await store.check().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceReadError);
      expect(String((err as Error).message)).toMatch(/test-ldap/);
      expect(String((err as Error).message)).not.toContain("not-the-password-xyz");
      expect(String((err as Error).message)).not.toContain(services.ldapBindPassword);
    } finally {
      await store.close();
    }
  });

  it("fingerprints every entry with its groups, and settles the ones the plan calls unchanged before decoding them", async () => {
    const { groups: _groups, ...withoutGroups } = source();
    const fingerprint = fingerprinter(undefined);
    const plain = openDataStore(ldapStore("example"), withoutGroups as LdapSourceConfig & { type: "ldap" }, {
      attributes: ["mail"],
    });
    const grouped = openDataStore(ldapStore("example"), source(), { attributes: ["mail"] });
    try {
      const first = byUid(await readAll(plain.users({ fingerprint })));
      const alice = first.get("alice");
      expect(alice?.fingerprint).toMatch(/^[\w-]{22}$/);
      expect(new Set([...first.values()].map((u) => u.fingerprint)).size).toBe(first.size);

      // Without groups the entry is everything: whoever the plan skips is left out of the page.
      const asked: string[] = [];
      const again = await readAll(
        plain.users({
          fingerprint,
          skip: (id, fp) => {
            asked.push(id);
            return id === alice?.sourceId && fp === alice?.fingerprint;
          },
        }),
      );
      expect(asked).toHaveLength(first.size);
      expect(again).toHaveLength(first.size - 1);
      expect(again.some((u) => u.sourceId === alice?.sourceId)).toBe(false);

      // With groups (from the catalog of group entries) the store tells each person's groups without
      // decoding the entry: it offers exactly the groups and fingerprint the full read makes.
      const full = byUid(await readAll(grouped.users({ fingerprint })));
      expect(full.get("alice")?.groups.length).toBeGreaterThan(0);
      expect(full.get("alice")?.fingerprint).not.toBe(alice?.fingerprint);
      expect(await expectSkipsAgreeWithFullRead(grouped, fingerprint)).toBe(full.size);
    } finally {
      await plain.close();
      await grouped.close();
    }
  });
});

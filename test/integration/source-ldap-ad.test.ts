import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LdapSourceConfig } from "../../src/config/schema.js";
import { openDataStore } from "../../src/sources/index.js";
import { fingerprinter } from "../../src/sync/memo.js";
import type { SourceUser } from "../../src/types.js";
import {
  createSubtree,
  expectSkipsAgreeWithFullRead,
  ldapSource,
  ldapStore,
  loadFixture,
  removeSubtree,
} from "../support/ldap-fixtures.js";
import { readAll } from "../support/pages.js";

/** The LDAP data store on the Active Directory-style database: objectGUID, userAccountControl, memberOf. */

let base: string;

beforeAll(async () => {
  base = await createSubtree("ad", "source-ldap-ad");
  await loadFixture("ad", "ad.ldif", base);
});

afterAll(async () => {
  if (base) await removeSubtree("ad", base);
});

function source(overrides: Partial<LdapSourceConfig> = {}): { type: "ldap" } & LdapSourceConfig {
  return ldapSource({
    dataStore: "test-ad",
    baseDn: `OU=Users,${base}`,
    filter: "(objectClass=adUser)",
    idAttribute: "objectGUID",
    nameAttribute: "sAMAccountName",
    disabled: { rule: "adUserAccountControl" },
    groups: {
      from: "memberOf",
      baseDn: `OU=Groups,${base}`,
      filter: "(objectClass=group)",
      nameAttribute: "sAMAccountName",
    },
    ...overrides,
  });
}

function bySam(users: SourceUser[]): Map<string, SourceUser> {
  return new Map(users.map((u) => [u.attributes.samaccountname?.[0] ?? "?", u]));
}

describe("LDAP data store (AD-style fixture)", () => {
  it("decodes objectGUID to the canonical string, applies userAccountControl and flattens memberOf", async () => {
    const store = openDataStore(ldapStore("ad"), source(), { attributes: ["userPrincipalName", "mail"] });
    try {
      const users = bySam(await readAll(store.users()));
      expect(users.size).toBe(3);
      // Bytes f4 d6 a3 d7 ... (not UTF-8) and 04 03 02 01 ... (valid UTF-8): both canonical.
      expect(users.get("jdoe")?.sourceId).toBe("d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6");
      expect(users.get("asmith")?.sourceId).toBe("01020304-0506-0708-090a-0b0c0d0e0f10");
      expect(users.get("bkim")?.sourceId).toBe("c0ffee00-dead-beef-8bad-f00d00000001");
      expect(users.get("jdoe")?.attributes.objectguid).toEqual(["d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6"]);
      expect(users.get("jdoe")?.attributes.userprincipalname).toEqual(["jdoe@corp.test"]);

      expect(users.get("jdoe")?.disabled).toBe(false); // 512
      expect(users.get("asmith")?.disabled).toBe(true); // 514
      expect(users.get("bkim")?.disabled).toBe(false); // 66048

      const names = (sam: string) => (users.get(sam)?.groups ?? []).map((g) => g.name).sort();
      expect(names("bkim")).toEqual(["AWS-Admins", "AWS-Ops", "Everyone"]);
      expect(names("jdoe")).toEqual(["AWS-Admins", "Everyone"]);
      expect(names("asmith")).toEqual(["Everyone"]);
    } finally {
      await store.close();
    }
  });

  it("skips unchanged people on binary objectGUIDs and memberOf groups with what the full read would make", async () => {
    const store = openDataStore(ldapStore("ad"), source(), { attributes: ["mail"] });
    const fingerprint = fingerprinter(undefined);
    try {
      expect(await expectSkipsAgreeWithFullRead(store, fingerprint)).toBe(3);
    } finally {
      await store.close();
    }
  });

  it("reads the same memberships from group entries", async () => {
    const s = source();
    const store = openDataStore(
      ldapStore("ad"),
      { ...s, groups: s.groups && { ...s.groups, from: "entries" } },
      {
        attributes: [],
      },
    );
    try {
      const users = bySam(await readAll(store.users()));
      expect((users.get("bkim")?.groups ?? []).map((g) => g.name).sort()).toEqual([
        "AWS-Admins",
        "AWS-Ops",
        "Everyone",
      ]);
      const groups = new Map((await readAll(store.groups())).map((g) => [g.name, g]));
      expect(groups.get("Everyone")?.members).toEqual([
        "01020304-0506-0708-090a-0b0c0d0e0f10",
        "c0ffee00-dead-beef-8bad-f00d00000001",
        "d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6",
      ]);
      expect(groups.get("AWS-Ops")?.members).toEqual(["c0ffee00-dead-beef-8bad-f00d00000001"]);
    } finally {
      await store.close();
    }
  });

  it("finds users by GUID and by sAMAccountName", async () => {
    const store = openDataStore(ldapStore("ad"), source(), { attributes: [] });
    try {
      const found = await store.findUsers({
        ids: ["D7A3D6F4-1B2C-4D5E-8F90-A1B2C3D4E5F6", "not-a-guid", "00000000-0000-0000-0000-000000000000"],
        names: ["asmith"],
      });
      expect(found.map((u) => u.sourceId).sort()).toEqual([
        "01020304-0506-0708-090a-0b0c0d0e0f10",
        "d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6",
      ]);
      expect(
        found
          .find((u) => u.attributes.samaccountname?.[0] === "jdoe")
          ?.groups.map((g) => g.name)
          .sort(),
      ).toEqual(["AWS-Admins", "Everyone"]);
    } finally {
      await store.close();
    }
  });
});

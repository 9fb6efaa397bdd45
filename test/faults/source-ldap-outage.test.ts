import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LdapSourceConfig } from "../../src/config/schema.js";
import { SourceReadError } from "../../src/errors/SourceReadError.js";
import { openDataStore } from "../../src/sources/index.js";
import { services } from "../support/env.js";
import {
  applyLdif,
  bulkUsersLdif,
  createSubtree,
  ldapSource,
  ldapStore,
  removeSubtree,
  waitForSlapd,
} from "../support/ldap-fixtures.js";

/**
 * slapd stops in the middle of a paged read: the iterator must throw SourceReadError, never end as
 * if the directory were shorter. slapd is restarted (its data persists) before the test ends.
 */

const USERS = 1_000;
let base: string;

beforeAll(async () => {
  base = await createSubtree("example", "source-ldap-outage");
  await applyLdif("example", bulkUsersLdif(base, USERS));
});

afterAll(async () => {
  await waitForSlapd();
  if (base) await removeSubtree("example", base);
});

function source(): { type: "ldap" } & LdapSourceConfig {
  return ldapSource({ dataStore: "test-outage", baseDn: base });
}

function slapd(action: "up" | "down"): void {
  execFileSync("bash", [services.servicesScript, action, "slapd"], { stdio: "ignore" });
}

describe("LDAP data store when slapd goes away midway", () => {
  it("throws SourceReadError after the first page instead of ending short", async () => {
    const store = openDataStore(ldapStore("example", { pageSize: 50 }), source(), { attributes: [] });
    let seen = 0;
    let pages = 0;
    try {
      const read = (async () => {
        for await (const page of store.users()) {
          pages++;
          seen += page.length;
          if (pages === 1) slapd("down");
        }
      })();
      const err = await read.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SourceReadError);
      expect((err as SourceReadError).message).toContain("test-outage");
      expect((err as SourceReadError).message).toContain(base);
      expect((err as SourceReadError).message).not.toContain(services.ldapBindPassword);
      // The page in hand and at most one prefetched page arrive; never the rest, never a quiet end.
      expect([50, 100]).toContain(seen);
      expect(seen).toBeLessThan(USERS);
    } finally {
      await store.close();
      slapd("up");
      await waitForSlapd();
    }
    // And the data store works again once slapd is back.
    const again = openDataStore(ldapStore("example", { pageSize: 500 }), source(), { attributes: [] });
    try {
      let n = 0;
      for await (const page of again.users()) n += page.length;
      expect(n).toBe(USERS);
    } finally {
      await again.close();
    }
  });
});

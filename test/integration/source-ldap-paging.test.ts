import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
} from "../support/ldap-fixtures.js";

/** Paged reads beyond the server's 500-entry size limit, and the three ways of securing the connection. */

const USERS = 1_200;
let base: string;
let wrongCaDir: string;

beforeAll(async () => {
  base = await createSubtree("example", "source-ldap-paging");
  await applyLdif("example", bulkUsersLdif(base, USERS));
  // A CA that did not sign slapd's certificate.
  wrongCaDir = mkdtempSync(join(tmpdir(), "wrong-ca-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=not the test CA",
      "-keyout",
      join(wrongCaDir, "ca.key"),
      "-out",
      join(wrongCaDir, "ca.pem"),
    ],
    { stdio: "ignore" },
  );
});

afterAll(async () => {
  if (base) await removeSubtree("example", base);
  if (wrongCaDir) rmSync(wrongCaDir, { recursive: true, force: true });
});

function source(): { type: "ldap" } & LdapSourceConfig {
  return ldapSource({ dataStore: "test-paging", baseDn: base });
}

describe("LDAP data store paging and TLS", () => {
  it("returns every one of 1,200 users in pages of 100, past the 500 size limit", async () => {
    const store = openDataStore(ldapStore("example", { pageSize: 100 }), source(), { attributes: ["mail"] });
    try {
      const sizes: number[] = [];
      const ids = new Set<string>();
      for await (const page of store.users()) {
        sizes.push(page.length);
        for (const u of page) ids.add(u.sourceId);
      }
      expect(ids.size).toBe(USERS);
      expect(sizes.length).toBe(USERS / 100);
      expect(Math.max(...sizes)).toBe(100);
    } finally {
      await store.close();
    }
  });

  it("reads over ldaps:// with the CA file", async () => {
    const store = openDataStore(
      ldapStore("example", {
        url: services.ldapsUrl,
        tls: { caFile: services.ldapCaFile, rejectUnauthorized: true },
        pageSize: 500,
      }),
      source(),
      { attributes: [] },
    );
    try {
      let n = 0;
      for await (const page of store.users()) n += page.length;
      expect(n).toBe(USERS);
    } finally {
      await store.close();
    }
  });

  it("reads over StartTLS with the CA file", async () => {
    const store = openDataStore(
      ldapStore("example", { startTls: true, tls: { caFile: services.ldapCaFile, rejectUnauthorized: true } }),
      source(),
      { attributes: [] },
    );
    try {
      await store.check();
      const found = await store.findUsers({ names: ["user7", "user1199"] });
      expect(found.map((u) => u.attributes.uid?.[0]).sort()).toEqual(["user1199", "user7"]);
    } finally {
      await store.close();
    }
  });

  it("refuses a server certificate the CA file does not vouch for (ldaps:// and StartTLS)", async () => {
    const wrongCa = join(wrongCaDir, "ca.pem");
    for (const overrides of [
      { url: services.ldapsUrl, tls: { caFile: wrongCa, rejectUnauthorized: true } },
      { startTls: true, tls: { caFile: wrongCa, rejectUnauthorized: true } },
    ]) {
      const store = openDataStore(ldapStore("example", overrides), source(), { attributes: [] });
      try {
        await expect(store.check()).rejects.toBeInstanceOf(SourceReadError);
        await expect(async () => {
          for await (const _ of store.users()) {
            // never reached
          }
        }).rejects.toThrow(/certificate/i);
      } finally {
        await store.close();
      }
    }
  });
});

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "ldapts";
import { expect } from "vitest";
import { type LdapSourceConfig, type LdapStoreConfig, ldapSourceSchema } from "../../src/config/schema.js";
import type { DataStore } from "../../src/sources/data-store.js";
import type { SourceGroupRef } from "../../src/types.js";
import { services, uniqueName } from "./env.js";
import { readAll } from "./pages.js";

/**
 * LDAP fixtures for tests: each test file gets its own `ou=<unique>` under a suffix, loads an LDIF
 * (with @BASE@ replaced) through ldapmodify, and removes the subtree afterwards.
 */

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/ldap");

export type Suffix = "example" | "ad";

export function suffixOf(which: Suffix): string {
  return which === "ad" ? services.ldapAdSuffix : services.ldapSuffix;
}

/** The rootdn of a suffix: each database of the test slapd has its own admin, same password. */
export function adminDn(which: Suffix): string {
  return which === "ad" ? `cn=admin,${services.ldapAdSuffix}` : services.ldapBindDn;
}

/** A data store config for the local slapd, bound as the suffix's admin. */
export function ldapStore(which: Suffix, overrides: Partial<LdapStoreConfig> = {}): LdapStoreConfig {
  return {
    type: "ldap",
    url: services.ldapUrl,
    startTls: false,
    bindDn: adminDn(which),
    bindPassword: services.ldapBindPassword,
    tls: { rejectUnauthorized: true },
    pageSize: 100,
    timeouts: { connectMs: 5_000, operationMs: 30_000 },
    ...overrides,
  };
}

/**
 * Runs an ldap-utils command; if slapd is briefly away (the outage test stops it), waits for it and
 * tries again, so files running alongside that test do not fail for it.
 */
async function run(cmd: string, args: string[], input?: string): Promise<string> {
  try {
    return await runOnce(cmd, args, input);
  } catch (err) {
    if (!/Can't contact LDAP server/i.test(String(err))) throw err;
    await waitForSlapd(60_000);
    if (cmd !== "ldapmodify") return runOnce(cmd, args, input);
    // Some adds may have landed before slapd went away: continue past those, and only those.
    try {
      return await runOnce(cmd, ["-c", ...args], input);
    } catch (retryErr) {
      const failures = String(retryErr)
        .split("\n")
        .filter((l) => /^ldap_\w+:/.test(l.trim()));
      if (failures.length > 0 && failures.every((l) => /Already exists/.test(l))) return "";
      throw retryErr;
    }
  }
}

function runOnce(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${stderr || err.message}`));
      else resolvePromise(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs LDIF (adds, or changetype records) against slapd as the suffix's admin. */
export async function applyLdif(which: Suffix, ldif: string): Promise<void> {
  await run(
    "ldapmodify",
    ["-a", "-x", "-H", services.ldapUrl, "-D", adminDn(which), "-w", services.ldapBindPassword],
    ldif,
  );
}

/** Creates `ou=<unique>` under the suffix and returns its DN. */
export async function createSubtree(which: Suffix, label: string): Promise<string> {
  const ou = uniqueName(label);
  const base = `ou=${ou},${suffixOf(which)}`;
  await applyLdif(which, `dn: ${base}\nobjectClass: organizationalUnit\nou: ${ou}\n`);
  return base;
}

/** Loads a fixture file from test/fixtures/ldap into base (its @BASE@ placeholder). */
export async function loadFixture(which: Suffix, file: string, base: string): Promise<void> {
  const text = readFileSync(resolve(FIXTURES, file), "utf8");
  // A DN written base64 (dn::) carries the placeholder inside the encoding.
  const ldif = text
    .replace(/^(\w[\w;-]*):: (.+)$/gm, (line, attr: string, b64: string) => {
      const decoded = Buffer.from(b64, "base64");
      const asText = decoded.toString("utf8");
      if (!asText.includes("@BASE@") || Buffer.from(asText, "utf8").compare(decoded) !== 0) return line;
      return `${attr}:: ${Buffer.from(asText.replaceAll("@BASE@", base), "utf8").toString("base64")}`;
    })
    .replaceAll("@BASE@", base);
  await applyLdif(which, ldif);
}

/** Removes a subtree and everything under it. */
export async function removeSubtree(which: Suffix, base: string): Promise<void> {
  await run("ldapdelete", [
    "-r",
    "-x",
    "-H",
    services.ldapUrl,
    "-D",
    adminDn(which),
    "-w",
    services.ldapBindPassword,
    base,
  ]).catch((err: Error) => {
    if (!/No such object/i.test(err.message)) throw err;
  });
}

/** LDIF for n plain inetOrgPerson users under base: `uid=user<k>`. */
export function bulkUsersLdif(base: string, n: number, from = 0): string {
  const parts: string[] = [];
  for (let k = from; k < from + n; k++) {
    parts.push(
      `dn: uid=user${k},${base}\nobjectClass: inetOrgPerson\nuid: user${k}\ncn: User ${k}\nsn: ${k}\nmail: user${k}@example.com\n`,
    );
  }
  return parts.join("\n");
}

/** Waits until slapd answers a bind and a search (after services.sh up, or to prove it is back). */
export async function waitForSlapd(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new Client({ url: services.ldapUrl, connectTimeout: 1_000, timeout: 2_000 });
    try {
      await client.bind(services.ldapBindDn, services.ldapBindPassword);
      await client.search(services.ldapSuffix, { scope: "base" });
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  throw new Error(`slapd did not come back: ${String(last)}`);
}

/** A channel's LDAP source as the configuration loader would build it: the schema's defaults, then `fields`. */
export function ldapSource(
  fields: { dataStore?: string; baseDn: string } & Record<string, unknown>,
): { type: "ldap" } & LdapSourceConfig {
  return { type: "ldap", ...ldapSourceSchema.parse({ dataStore: "test-ldap", ...fields }) };
}

/**
 * Reads a store twice, in full and then skipping everyone it offers, and checks each person was offered
 * with exactly the fingerprint and groups the full read made for them (the quick and full reads agree).
 */
export async function expectSkipsAgreeWithFullRead(
  store: DataStore,
  fingerprint: (text: string) => string,
): Promise<number> {
  const full = await readAll(store.users({ fingerprint }));
  const offered = new Map<string, { fp: string; groups: SourceGroupRef[] }>();
  const left = await readAll(
    store.users({
      fingerprint,
      skip: (id, fp, groups) => {
        offered.set(id, { fp, groups });
        return true;
      },
    }),
  );
  expect(left).toEqual([]);
  expect(offered.size).toBe(full.length);
  for (const u of full) expect(offered.get(u.sourceId)).toEqual({ fp: u.fingerprint, groups: u.groups });
  return full.length;
}

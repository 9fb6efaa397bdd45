/**
 * The benches' directory and their yardstick: ou=bench-ldap-read under the example suffix, loaded once
 * and kept between benches, and `ldapsearch -E pr=<page>/noprompt` over it.
 */
import { execFile } from "node:child_process";
import { services } from "../support/env.js";
import { applyLdif, bulkUsersLdif } from "../support/ldap-fixtures.js";

export const BENCH_OU = "bench-ldap-read";
export const benchBase = () => `ou=${BENCH_OU},${services.ldapSuffix}`;

export interface Search {
  base: string;
  filter: string;
  attributes: string[];
  pageSize: number;
  /** @defaultValue the local slapd, bound as its admin */
  url?: string;
  bindDn?: string;
  bindPassword?: string;
}

/** ldapsearch's LDIF for a paged search; rejects with its stderr (an absent base says "No such object"). */
export function ldapsearch(s: Search): Promise<string> {
  const url = s.url ?? services.ldapUrl;
  const bindDn = s.bindDn ?? (s.url ? undefined : services.ldapBindDn);
  const bindPassword = s.bindPassword ?? (s.url ? undefined : services.ldapBindPassword);
  const args = ["-LLL", "-x", "-H", url, "-E", `pr=${s.pageSize}/noprompt`, "-b", s.base];
  if (bindDn) args.push("-D", bindDn, "-w", bindPassword ?? "");
  return new Promise((resolve, reject) => {
    execFile(
      "ldapsearch",
      [...args, s.filter, ...s.attributes],
      { maxBuffer: 1024 * 1024 * 1024 },
      (err, stdout, stderr) => (err && !stdout ? reject(new Error(stderr || err.message)) : resolve(stdout)),
    );
  });
}

/** Entries in an LDIF answer. */
export const countDns = (ldif: string) => ldif.split("\n").filter((l) => l.startsWith("dn:")).length;

/** How many people the bench directory holds: -1 when it does not exist yet. */
async function countPeople(base: string): Promise<number> {
  try {
    return countDns(
      await ldapsearch({ base, filter: "(objectClass=inetOrgPerson)", attributes: ["1.1"], pageSize: 1_000 }),
    );
  } catch (err) {
    if (/No such object/i.test(String(err))) return -1;
    throw err;
  }
}

/** Loads the bench directory up to `entries` people (numbering continues); returns how many it holds. */
export async function ensureBenchEntries(entries: number, log: (s: string) => void): Promise<number> {
  const base = benchBase();
  let have = await countPeople(base);
  if (have < 0) {
    await applyLdif("example", `dn: ${base}\nobjectClass: organizationalUnit\nou: ${BENCH_OU}\n`);
    have = 0;
  }
  if (have < entries) {
    const t = performance.now();
    log(`loading ${entries - have} entries into ${base}`);
    // Batches keep one ldapadd's input small.
    for (let from = have; from < entries; from += 5_000) {
      await applyLdif("example", bulkUsersLdif(base, Math.min(5_000, entries - from), from));
    }
    log(`  loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return countPeople(base);
}

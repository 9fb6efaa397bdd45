/**
 * How fast the LDAP data store reads a large directory, against ldapsearch on the same entries.
 *
 *   npx tsx test/bench/source-ldap-read.ts [--entries 20000] [--page-size 1000]
 *
 * Loads the entries into `ou=bench-ldap-read` under LDAP_SUFFIX once (with ldapadd; kept between
 * runs), then reads them through the data store and prints seconds, users/s and peak RSS, and the
 * time `ldapsearch -E pr=<page>/noprompt` takes for the same search.
 */
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
if (!process.env.LDAP_URL) {
  const exports = execFileSync("bash", [resolve(root, "scripts/services.sh"), "env"], { encoding: "utf8" });
  for (const line of exports.split("\n")) {
    const m = /^export ([A-Z0-9_]+)="(.*)"$/.exec(line.trim());
    if (m?.[1]) process.env[m[1]] = m[2];
  }
}

const { openDataStore } = await import("../../src/sources/index.js");
const { ldapStore } = await import("../support/ldap-fixtures.js");
const { benchBase, countDns, ensureBenchEntries, ldapsearch } = await import("./ldap-directory.js");

function arg(name: string, fallback: number): number {
  const k = process.argv.indexOf(`--${name}`);
  const v = k >= 0 ? Number(process.argv[k + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const entries = arg("entries", 20_000);
const pageSize = arg("page-size", 1_000);
const base = benchBase();
const attributes = ["uid", "cn", "sn", "mail"];

const total = await ensureBenchEntries(entries, (line) => console.log(line));

const source = {
  type: "ldap" as const,
  dataStore: "bench",
  baseDn: base,
  scope: "sub" as const,
  filter: "(objectClass=inetOrgPerson)",
  idAttribute: "entryUUID",
  nameAttribute: "uid",
  attributes: [],
  disabled: { rule: "none" as const },
};

const store = openDataStore(ldapStore("example", { pageSize }), source, { attributes });
const rssBefore = process.resourceUsage().maxRSS;
const t0 = performance.now();
let users = 0;
let pages = 0;
for await (const page of store.users()) {
  users += page.length;
  pages++;
}
const storeSeconds = (performance.now() - t0) / 1000;
await store.close();
const peakRssMb = process.resourceUsage().maxRSS / 1024;

const t1 = performance.now();
const out = await ldapsearch({
  base,
  filter: "(objectClass=inetOrgPerson)",
  attributes: ["entryUUID", ...attributes],
  pageSize,
});
const searchSeconds = (performance.now() - t1) / 1000;
const searched = countDns(out);

console.log(
  JSON.stringify(
    {
      entries: total,
      pageSize,
      dataStore: { users, pages, seconds: +storeSeconds.toFixed(3), usersPerSecond: Math.round(users / storeSeconds) },
      ldapsearch: { entries: searched, seconds: +searchSeconds.toFixed(3) },
      ratio: +(storeSeconds / searchSeconds).toFixed(2),
      peakRssMb: +peakRssMb.toFixed(1),
      rssBeforeReadMb: +(rssBefore / 1024).toFixed(1),
    },
    null,
    2,
  ),
);
if (users !== total || searched !== total) {
  console.error(`mismatch: directory has ${total}, data store read ${users}, ldapsearch ${searched}`);
  process.exit(1);
}

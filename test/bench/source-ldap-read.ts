/**
 * How fast the LDAP data store reads a large directory, against ldapsearch on the same entries.
 *
 *   npx tsx test/bench/source-ldap-read.ts [--entries 20000] [--page-size 1000]
 *
 * Loads the entries into `ou=bench-ldap-read` under LDAP_SUFFIX once (with ldapadd; kept between
 * runs), then reads them through the data store and prints seconds, users/s and peak RSS, and the
 * time `ldapsearch -E pr=<page>/noprompt` takes for the same search.
 */
import { execFile, execFileSync } from "node:child_process";
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
const { services } = await import("../support/env.js");
const { applyLdif, bulkUsersLdif, ldapStore } = await import("../support/ldap-fixtures.js");

function arg(name: string, fallback: number): number {
  const k = process.argv.indexOf(`--${name}`);
  const v = k >= 0 ? Number(process.argv[k + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const entries = arg("entries", 20_000);
const pageSize = arg("page-size", 1_000);
const base = `ou=bench-ldap-read,${services.ldapSuffix}`;
const attributes = ["uid", "cn", "sn", "mail"];

function ldapsearch(filter: string, attrs: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      "ldapsearch",
      [
        "-LLL",
        "-x",
        "-H",
        services.ldapUrl,
        "-D",
        services.ldapBindDn,
        "-w",
        services.ldapBindPassword,
        "-E",
        `pr=${pageSize}/noprompt`,
        "-b",
        base,
        filter,
        ...attrs,
      ],
      { maxBuffer: 1024 * 1024 * 1024 },
      (err, stdout, stderr) => (err && !stdout ? reject(new Error(stderr || err.message)) : resolvePromise(stdout)),
    );
  });
}

async function count(): Promise<number> {
  try {
    const out = await ldapsearch("(objectClass=inetOrgPerson)", ["1.1"]);
    return out.split("\n").filter((l) => l.startsWith("dn:")).length;
  } catch (err) {
    if (/No such object/i.test(String(err))) return -1;
    throw err;
  }
}

let have = await count();
if (have < 0) {
  await applyLdif("example", `dn: ${base}\nobjectClass: organizationalUnit\nou: bench-ldap-read\n`);
  have = 0;
}
if (have < entries) {
  const t = performance.now();
  process.stdout.write(`loading ${entries - have} entries into ${base} ... `);
  // Batches keep one ldapadd's input small; numbering continues where a previous run stopped.
  for (let from = have; from < entries; from += 5_000) {
    await applyLdif("example", bulkUsersLdif(base, Math.min(5_000, entries - from), from));
  }
  console.log(`${((performance.now() - t) / 1000).toFixed(1)} s`);
}

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
// An earlier run may have loaded more: every entry there is read and compared.
const total = await count();

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
const out = await ldapsearch("(objectClass=inetOrgPerson)", ["entryUUID", ...attributes]);
const searchSeconds = (performance.now() - t1) / 1000;
const searched = out.split("\n").filter((l) => l.startsWith("dn:")).length;

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

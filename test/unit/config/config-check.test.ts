import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configCheck } from "../../../src/cli/config-check.js";
import { loadConfigText } from "../../../src/config/load.js";
import { formatProblem } from "../../../src/config/problems.js";
import { ConfigError } from "../../../src/errors/ConfigError.js";

const exampleEnv = {
  PROVISIONER_SECRET_KEY: "a".repeat(64),
  LDAP_BIND_PASSWORD: "ldap-pass",
  AD_BIND_PASSWORD: "ad-pass",
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "aws-secret",
  HR_DB_PASSWORD: "hr-pass",
};

const base = `
dataStores:
  corp-ldap:
    type: ldap
    url: ldap://127.0.0.1:13389
targets:
  prod:
    type: aws-iam
channels:
  engineering:
    source:
      dataStore: corp-ldap
      baseDn: ou=people,dc=example,dc=com
    target: prod
    mapping:
      userName: "{{ uid }}"
`;

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfigText(yaml, "test.yaml", env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

async function runCheck(file: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await configCheck(file, {}, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}

describe("config check", () => {
  it("accepts every file in examples/ and prints one line per channel", async () => {
    const dir = join(import.meta.dirname, "../../../examples");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const r = await runCheck(join(dir, f), exampleEnv);
      expect(r.err, f).toEqual([]);
      expect(r.code, f).toBe(0);
      expect(r.out.filter((l) => l.startsWith("  ")).length, f).toBeGreaterThanOrEqual(1);
    }
  });

  it("reports all five mistakes of one file with their paths and exits 1", async () => {
    const r = await runCheck(join(import.meta.dirname, "../../fixtures/config/five-mistakes.yaml"));
    expect(r.code).toBe(1);
    const text = r.err.join("\n");
    expect(r.err[0]).toMatch(/5 problems/);
    expect(text).toMatch(/redis\.prefx: unknown key "prefx" \(did you mean "prefix"\?\)/);
    expect(text).toMatch(
      /channels\.engineering\.source\.dataStore: unknown data store "corp-ldp" \(did you mean "corp-ldap"\?\)/,
    );
    expect(text).toMatch(/channels\.engineering\.schedule\.full: "0 61 \* \* \*" is not a valid cron expression/);
    expect(text).toMatch(/dataStores\.corp-ldap\.bindPassword: environment variable NOPE_LDAP_PASSWORD is not set/);
    expect(text).toMatch(/dataStores\.corp-ldap\.pageSize: expected number, received string/);
  });

  it("accepts the base configuration and fills the defaults", () => {
    const { config } = loadConfigText(base, "t.yaml", {});
    const ch = config.channels.engineering!;
    expect(ch.path).toBe("/provisioner/engineering/");
    expect(ch.source.type).toBe("ldap");
    expect(ch.options.removeAction).toBe("disable");
    expect(config.redis.prefix).toBe("{prov}");
    expect(config.targets.prod?.maxRequestsPerSecond).toBe(10);
  });
});

describe("config problems, one kind at a time", () => {
  it("unknown key, with the nearest known key suggested", () => {
    const p = problemsOf(base.replace("    target: prod", "    target: prod\n    optoins: {}"));
    expect(p).toEqual([
      expect.stringMatching(/^channels\.engineering\.optoins: unknown key "optoins" \(did you mean "options"\?\)/),
    ]);
  });

  it("unknown key inside a data store of a given type", () => {
    const p = problemsOf(
      base.replace("    url: ldap://127.0.0.1:13389", "    url: ldap://127.0.0.1:13389\n    bindPasword: x"),
    );
    expect(p[0]).toMatch(
      /^dataStores\.corp-ldap\.bindPasword: unknown key "bindPasword" \(did you mean "bindPassword"\?\)/,
    );
  });

  it("a source key that belongs to the other kind of data store", () => {
    const p = problemsOf(
      base.replace(
        "      baseDn: ou=people,dc=example,dc=com",
        "      baseDn: ou=people,dc=example,dc=com\n      usersQuery: SELECT 1",
      ),
    );
    expect(p[0]).toMatch(/^channels\.engineering\.source\.usersQuery: unknown key "usersQuery" for a ldap data store/);
  });

  it("dangling data store and target references", () => {
    const p = problemsOf(base.replace("dataStore: corp-ldap", "dataStore: hr").replace("target: prod", "target: prd"));
    expect(p).toContainEqual(
      expect.stringMatching(/^channels\.engineering\.source\.dataStore: unknown data store "hr" \(known: corp-ldap\)/),
    );
    expect(p).toContainEqual(
      expect.stringMatching(/^channels\.engineering\.target: unknown target "prd" \(did you mean "prod"\?\)/),
    );
  });

  it("bad cron and bad interval", () => {
    const p = problemsOf(`${base}    schedule:\n      incremental: 15 minutes\n      full: "every night"\n`);
    expect(p).toContainEqual(
      expect.stringMatching(/^channels\.engineering\.schedule\.incremental: "15 minutes" is not an interval/),
    );
    expect(p).toContainEqual(
      expect.stringMatching(/^channels\.engineering\.schedule\.full: "every night" is not a cron expression/),
    );
  });

  it("missing environment secret, and the default form", () => {
    const yaml = base.replace(
      "    url: ldap://127.0.0.1:13389",
      "    url: ldap://127.0.0.1:13389\n    bindPassword: ${env:MISSING_PW}",
    );
    expect(problemsOf(yaml)).toEqual([
      expect.stringMatching(/^dataStores\.corp-ldap\.bindPassword: environment variable MISSING_PW is not set/),
    ]);
    const withDefault = yaml.replace("${env:MISSING_PW}", "${env:MISSING_PW:-fallback}");
    const { config } = loadConfigText(withDefault, "t.yaml", {});
    expect(config.dataStores["corp-ldap"]).toMatchObject({ bindPassword: "fallback" });
  });

  it("file secrets are read and trimmed of their final newline; a missing file is named", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    writeFileSync(join(dir, "pw"), "s3cret-from-file\n");
    const yaml = base.replace(
      "    url: ldap://127.0.0.1:13389",
      `    url: ldap://127.0.0.1:13389\n    bindPassword: \${file:${dir}/pw}`,
    );
    const { config, secrets } = loadConfigText(yaml, "t.yaml", {});
    expect(config.dataStores["corp-ldap"]).toMatchObject({ bindPassword: "s3cret-from-file" });
    expect(secrets).toContain("s3cret-from-file");
    expect(problemsOf(yaml.replace(`${dir}/pw`, `${dir}/nope`))[0]).toMatch(
      /cannot read secret file .*nope \(ENOENT\)/,
    );
  });

  it("a mapping template that does not compile", () => {
    const p = problemsOf(base.replace('userName: "{{ uid }}"', 'userName: "{{ uid | shout }}"'));
    expect(p).toEqual([expect.stringMatching(/^channels\.engineering\.mapping\.userName: .*shout/)]);
  });

  it("a value that is one environment reference reads as the number or boolean it names", () => {
    const yaml = `${base}dashboard:\n  port: \${env:DASH_PORT:-8080}\n  host: "\${env:DASH_HOST:-127.0.0.1}"\n`;
    const { config } = loadConfigText(yaml, "t.yaml", { DASH_PORT: "9090" });
    expect(config.dashboard.port).toBe(9090);
    expect(loadConfigText(yaml, "t.yaml", {}).config.dashboard.port).toBe(8080);
    expect(config.dashboard.host).toBe("127.0.0.1");
  });

  it("wrong type", () => {
    const p = problemsOf(`${base}    options:\n      create: "yes"\n`);
    expect(p).toEqual([
      expect.stringMatching(/^channels\.engineering\.options\.create: expected boolean, received string/),
    ]);
  });

  it("never prints a resolved secret, even when the value is the thing that is wrong", () => {
    const yaml = `${base}secrets:\n  key: \${env:KEY}\n`;
    const p = problemsOf(yaml, { KEY: "not-a-valid-key-but-secret" });
    expect(p.join("\n")).toMatch(/secrets\.key: must be 32 bytes/);
    expect(p.join("\n")).not.toContain("not-a-valid-key-but-secret");
  });

  it("refuses a MySQL source query that is not a SELECT", () => {
    const yaml = `
dataStores:
  hr: { type: mysql, url: "mysql://u:p@127.0.0.1/hr" }
targets:
  prod: { type: aws-iam }
channels:
  c:
    source: { dataStore: hr, usersQuery: "DELETE FROM employees" }
    target: prod
    mapping: { userName: "{{ login }}" }
`;
    expect(problemsOf(yaml)).toEqual([
      expect.stringMatching(/^channels\.c\.source\.usersQuery: only a SELECT is allowed/),
    ]);
  });

  it("requires dashboard users when bound beyond loopback", () => {
    const p = problemsOf(`${base}dashboard:\n  host: 0.0.0.0\n`);
    expect(p).toEqual([expect.stringMatching(/^dashboard\.users: the dashboard listens on 0\.0\.0\.0/)]);
  });

  it("gives the YAML line of a problem", () => {
    const p = problemsOf(base.replace("target: prod", "target: nowhere"));
    expect(p[0]).toMatch(/\[line 14\]/);
  });
});

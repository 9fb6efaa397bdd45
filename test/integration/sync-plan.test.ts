import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPlanCommand } from "../../src/cli/plan.js";
import { type PlanJson, planJsonSchema } from "../../src/sync/plan-json.js";
import { MARKER_TAG, SOURCE_ID_TAG } from "../../src/types.js";
import { directoryLdif } from "../fixtures/sync/directory.js";
import { services, uniqueName } from "../support/env.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { freshKey } from "../support/iam-emulator/testing.js";
import { applyLdif, createSubtree, removeSubtree } from "../support/ldap-fixtures.js";

/** `provisioner plan` end to end: 1,000 people in slapd, the IAM emulator as AWS, Redis for applied state. */

const USERS = 1_000;
let base: string;
let emu: IamEmulator;
let key: string;
let dir: string;
let prefix: string;
let redis: Redis;

function writeConfig(name: string, guards: Record<string, unknown>): string {
  const fixture = directoryLdif(base, USERS);
  const config = {
    redis: { url: services.redisUrl, prefix },
    secrets: { key: "ab".repeat(32) },
    dataStores: {
      dir: {
        type: "ldap",
        url: services.ldapUrl,
        bindDn: services.ldapBindDn,
        bindPassword: services.ldapBindPassword,
        pageSize: 200,
      },
    },
    targets: {
      aws: {
        type: "aws-iam",
        endpoint: emu.url,
        credentials: { accessKeyId: key, secretAccessKey: "x" },
        protectedUsers: ["user9"],
      },
    },
    channels: {
      eng: {
        target: "aws",
        source: {
          dataStore: "dir",
          baseDn: fixture.peopleBase,
          disabled: { rule: "attributeEquals", attribute: "employeeType", value: "inactive" },
          groups: { from: "entries", baseDn: fixture.groupsBase },
        },
        mapping: {
          userName: "{{ uid }}",
          tags: { email: "{{ mail | lower }}", first: "{{ givenName | asciifold }}", dept: "{{ departmentNumber }}" },
        },
        groups: { name: "team-{{ name }}" },
        guards,
      },
    },
  };
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function plan(file: string, full: boolean): Promise<{ code: number; json: PlanJson; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPlanCommand(
    "eng",
    { config: file, full, json: true },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, json: planJsonSchema.parse(JSON.parse(out.join("\n"))), err };
}

beforeAll(async () => {
  base = await createSubtree("example", "sync-plan");
  await applyLdif("example", directoryLdif(base, USERS).ldif);
  emu = await startIamEmulator({ callerUserName: "ci-admin" });
  key = freshKey("syncplan");
  const account = emu.account(key);
  account.seedUser({ userName: "user5", tags: { owner: "someone" } });
  account.seedUser({
    userName: "leaver",
    path: "/provisioner/eng/",
    tags: { [MARKER_TAG]: "eng", [SOURCE_ID_TAG]: "gone-id" },
  });
  dir = mkdtempSync(join(tmpdir(), "sync-plan-"));
  prefix = `{${uniqueName("sync-plan")}}`;
  redis = new Redis(services.redisUrl);
}, 120_000);

afterAll(async () => {
  if (base) await removeSubtree("example", base);
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  const left = await redis.keys(`${prefix}:*`);
  if (left.length > 0) await redis.del(...left);
  await redis.quit();
});

describe("provisioner plan against slapd and the IAM emulator", () => {
  it("plans an incremental run from empty applied state, writing nothing", async () => {
    const { code, json } = await plan(writeConfig("inc.yaml", { maxDeletes: 5 }), false);
    expect(code).toBe(0);
    expect(json.status).toBe("ready");
    expect(json.counts.sourceUsers).toBe(USERS);
    // 1,000 people: one invalid name, one disabled (never created), one protected.
    expect(json.counts.create).toBe(USERS - 3);
    expect(json.invalid).toEqual([
      expect.objectContaining({ userName: "bad user", reasons: [expect.stringMatching(/may contain only/)] }),
    ]);
    expect(json.skipped).toEqual([
      expect.objectContaining({ userName: "user9", reason: expect.stringMatching(/protected/) }),
    ]);
    expect(json.groups.map((g) => g.groupName).sort()).toEqual([
      "team-engineering",
      "team-finance",
      "team-ops",
      "team-sales",
      "team-support",
    ]);
    expect(json.observed).toBeUndefined();
    expect(emu.counters(key).total).toBe(0);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it("plans a full run against AWS: unmanaged left alone, leavers removed, only reads", async () => {
    const { code, json } = await plan(writeConfig("full.yaml", { maxDeletes: 5 }), true);
    expect(code).toBe(0);
    expect(json.mode).toBe("full");
    expect(json.counts.create).toBe(USERS - 4);
    expect(json.users.filter((u) => u.kind === "disable")).toEqual([
      { kind: "disable", sourceId: "gone-id", userName: "leaver" },
    ]);
    expect(json.skipped.find((s) => s.userName === "user5")?.reason).toMatch(/unmanaged IAM user user5/);
    expect(json.observed).toEqual({ readAt: expect.any(String), users: expect.any(Number), calls: 1 });
    expect(emu.counters(key).writes).toBe(0);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it("exits 3 with the reasons when a guard blocks the plan (CLI as a process)", async () => {
    const file = writeConfig("blocked.yaml", { maxDeletes: 0 });
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["bin/provisioner.js", "plan", "eng", "--full", "--json", "--config", file],
        { env: { ...process.env, PROVISIONER_FROM_SOURCE: "1" }, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    // The AWS SDK may warn about the Node version on stderr; anything of ours would say "failed".
    expect(result.stderr).not.toMatch(/plan eng failed/);
    expect(result.code).toBe(3);
    const json = planJsonSchema.parse(JSON.parse(result.stdout));
    expect(json.status).toBe("blocked");
    expect(json.reasons).toEqual([expect.stringMatching(/1 removal .* exceed maxDeletes 0/)]);
    expect(json.users).toEqual([]);
    expect(json.skipped.find((s) => s.userName === "leaver")?.kind).toBe("disable");
  });

  it("prints a readable table without --json", async () => {
    const out: string[] = [];
    const code = await runPlanCommand(
      "eng",
      { config: writeConfig("text.yaml", { maxDeletes: 5 }), full: true },
      { out: (l) => out.push(l), err: () => {} },
    );
    expect(code).toBe(0);
    const text = out.join("\n");
    expect(text).toMatch(/^plan eng \(full\): READY/);
    expect(text).toMatch(/create \(996\)/);
    expect(text).toMatch(/disable \(1\)\n {2}leaver {2}gone-id/);
    expect(text).toMatch(/invalid \(1\)\n {2}bad user/);
  });

  it("fails with exit 1 naming an unknown channel", async () => {
    const err: string[] = [];
    const code = await runPlanCommand(
      "nope",
      { config: writeConfig("x.yaml", {}) },
      { out: () => {}, err: (l) => err.push(l) },
    );
    expect(code).toBe(1);
    expect(err.join()).toMatch(/unknown channel "nope" \(known: eng\)/);
  });
});

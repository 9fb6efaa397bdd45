/**
 * Shared by the dashboard's integration tests: a configuration with two channels, two targets, viewer and
 * operator users and tokens, seeded runs / dead letters / audit / state, and a fetch helper. Every secret
 * here is distinctive so a test can assert none of them ever comes back in a response.
 */
import { loadConfigText } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { type RunningDashboard, startDashboard } from "../../src/dashboard/server.js";
import { QueueContext } from "../../src/queue/context.js";
import { parseSecretKey } from "../../src/sync/secrets.js";
import { StateStore } from "../../src/sync/state-store.js";
import { services, uniqueName } from "../support/env.js";

export const SECRETS = {
  operatorPassword: "op-pass-Zq81xKf3",
  viewerPassword: "view-pass-Wm27pLs9",
  operatorToken: "tok-operator-5b8c1e0f9a7d",
  viewerToken: "tok-viewer-3e9a0c7b1d2f",
  awsSecret: "aws-secret-Hv4NqT7rY2",
  desiredPassword: "Desired-Pw-9Kx!mQ2v",
  secretKey: "a".repeat(64),
};

export const AUTH = {
  operator: `Basic ${Buffer.from(`ops:${SECRETS.operatorPassword}`).toString("base64")}`,
  viewer: `Basic ${Buffer.from(`watcher:${SECRETS.viewerPassword}`).toString("base64")}`,
  operatorToken: `Bearer ${SECRETS.operatorToken}`,
  viewerToken: `Bearer ${SECRETS.viewerToken}`,
};

export function dashboardConfig(opts: { prefix?: string; redisUrl?: string; auth?: boolean } = {}): Config {
  const auth = opts.auth ?? true;
  const yaml = `
redis: { url: "${opts.redisUrl ?? services.redisUrl}", prefix: "{${opts.prefix ?? uniqueName("dash")}}" }
secrets: { key: "${SECRETS.secretKey}" }
dataStores:
  dir: { type: ldap, url: "ldap://127.0.0.1:1" }
targets:
  acct: { type: aws-iam, endpoint: "http://127.0.0.1:1", maxRequestsPerSecond: 20,
          credentials: { accessKeyId: AKIADASHBOARDTEST, secretAccessKey: "${SECRETS.awsSecret}" } }
  spare: { type: aws-iam, endpoint: "http://127.0.0.1:1" }
channels:
  people:
    source: { dataStore: dir, baseDn: "ou=people,dc=example,dc=com" }
    target: acct
    mapping:
      userName: "{{ uid }}"
      loginProfile: { password: "{{ initialPassword }}" }
    schedule: { incremental: 15m, full: "0 3 * * *" }
  contractors:
    active: false
    source: { dataStore: dir, baseDn: "ou=contractors,dc=example,dc=com" }
    target: spare
    mapping: { userName: "c-{{ uid }}" }
dashboard:
${
  auth
    ? `  users:
    - { name: ops, password: "${SECRETS.operatorPassword}", role: operator }
    - { name: watcher, password: "${SECRETS.viewerPassword}", role: viewer }
  tokens:
    - { name: ci, token: "${SECRETS.operatorToken}", role: operator }
    - { name: grafana, token: "${SECRETS.viewerToken}", role: viewer }`
    : "  users: []"
}
`;
  return loadConfigText(yaml).config;
}

export interface Seeded {
  completedRun: string;
  blockedRun: string;
  deadLetterId: string;
}

/** Runs (one finished with failures, then one blocked), a dead letter, audit events, desired + applied state. */
export async function seed(ctx: QueueContext): Promise<Seeded> {
  const completedRun = "people-20260101T000000Z-aaaaaa";
  await ctx.runs.create({
    id: completedRun,
    channel: "people",
    target: "acct",
    mode: "full",
    trigger: "schedule",
    snapshotJobId: completedRun,
  });
  await ctx.runs.setPlanned(completedRun, 4, { u4: "unchanged" });
  await ctx.runs.recordOutcome(completedRun, "u1", "created", {
    CreateUser: 1,
    CreateLoginProfile: 1,
    AddUserToGroup: 2,
  });
  await ctx.runs.recordOutcome(completedRun, "u2", "dead_lettered", { CreateUser: 1 });
  await ctx.runs.recordOutcome(completedRun, "u3", "invalid", {});
  await ctx.runs.finish(completedRun, "completed_with_failures");

  const dl = await ctx.deadLetters.record({
    channel: "people",
    target: "acct",
    runId: completedRun,
    sourceId: "u2",
    userName: "bob",
    sourceQueue: "provision-acct",
    sourceJobId: "people.x.dTI",
    errorKind: "permanent",
    errorCode: "PasswordPolicyViolation",
    message: "Password does not conform to the account password policy.",
    attempts: 1,
  });

  const blockedRun = "people-20260102T000000Z-bbbbbb";
  await ctx.runs.create({
    id: blockedRun,
    channel: "people",
    target: "acct",
    mode: "incremental",
    trigger: "schedule",
  });
  await ctx.runs.finish(blockedRun, "blocked", ["12 removals exceed maxDeletes 10%"]);

  const at = new Date().toISOString();
  await ctx.audit.append("people", {
    runId: completedRun,
    sourceId: "u1",
    userName: "alice",
    kind: "create",
    fields: ["userName", "loginProfile", "groups"],
    calls: 4,
    at,
  });

  const store = new StateStore(ctx.redis, {
    prefix: ctx.prefix,
    secretKey: parseSecretKey(SECRETS.secretKey) as Buffer,
  });
  await store.putDesired("people", [
    {
      sourceId: "u1",
      userName: "alice",
      path: "/provisioner/people/",
      tags: { email: "alice@example.com" },
      loginProfile: { password: SECRETS.desiredPassword, passwordResetRequired: true },
      groups: ["eng"],
      enabled: true,
      createOnly: [],
    },
  ]);
  await store.putApplied("people", [
    {
      sourceId: "u1",
      userName: "alice",
      path: "/provisioner/people/",
      tags: { email: "alice@example.com" },
      groups: ["eng"],
      hasLoginProfile: true,
      enabled: true,
      digest: "d1",
      appliedAt: at,
      runId: completedRun,
    },
  ]);

  await ctx.budget("acct").take();
  await ctx.health.markUnhealthy(
    "spare",
    "InvalidClientTokenId: The security token included in the request is invalid.",
  );
  return { completedRun, blockedRun, deadLetterId: dl.jobId };
}

export interface Harness {
  ctx: QueueContext;
  dashboard: RunningDashboard;
  url: string;
  seeded: Seeded;
  close(): Promise<void>;
}

export async function startHarness(opts: { host?: string; auth?: boolean; seed?: boolean } = {}): Promise<Harness> {
  const ctx = new QueueContext(dashboardConfig({ auth: opts.auth ?? true }));
  ctx.redis.on("error", () => {});
  const seeded = opts.seed === false ? ({} as Seeded) : await seed(ctx);
  const dashboard = await startDashboard(ctx, { host: opts.host ?? "127.0.0.1", port: 0 });
  return {
    ctx,
    dashboard,
    url: dashboard.url,
    seeded,
    close: async () => {
      await dashboard.close();
      await dropPrefix(ctx);
      await ctx.close();
    },
  };
}

/** Removes every key under the test's prefix (the shared Redis outlives the test run). */
export async function dropPrefix(ctx: QueueContext): Promise<void> {
  let cursor = "0";
  do {
    const [next, found] = await ctx.redis.scan(cursor, "MATCH", `${ctx.prefix}*`, "COUNT", 1_000);
    if (found.length > 0) await ctx.redis.del(...found);
    cursor = next;
  } while (cursor !== "0");
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => unknown;
}

export async function call(
  base: string,
  path: string,
  opts: {
    auth?: string;
    method?: string;
    json?: unknown;
    form?: Record<string, string | string[]>;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.auth ? { authorization: opts.auth } : {}), ...opts.headers };
  let body: string | undefined = opts.raw;
  if (opts.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    headers["content-type"] ??= "application/x-www-form-urlencoded";
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    body = params.toString();
  }
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? (body !== undefined ? "POST" : "GET"),
    headers,
    body,
    redirect: "manual",
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** The hidden `_csrf` field of a page. */
export function csrfFrom(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m?.[1]) throw new Error("no CSRF field on the page");
  return m[1];
}

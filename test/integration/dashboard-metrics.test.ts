import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import { QueueContext } from "../../src/queue/context.js";
import { AUTH, call, dashboardConfig, type Harness, SECRETS, startHarness } from "./dashboard-fixture.js";

/** /metrics parsed as Prometheus text exposition, and the /healthz and /readyz probes. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m?.[1] || m[3] === undefined) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    samples.push({ name: m[1], labels, value: m[3] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[3]) });
  }
  return { samples, types };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe("dashboard /metrics and probes", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.ctx.budget("acct").throttled();
    await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await h?.close();
  });

  it("exposes runs, users, IAM calls, rates, throttles, queue depths, dead letters and run durations", async () => {
    const r = await call(h.url, "/metrics", { auth: AUTH.viewerToken });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).not.toContain(SECRETS.awsSecret);
    const { samples, types } = parseExposition(r.text);

    expect(value(samples, "provisioner_redis_up")).toBe(1);
    expect(value(samples, "provisioner_runs", { channel: "people", status: "completed_with_failures" })).toBe(1);
    expect(value(samples, "provisioner_runs", { channel: "people", status: "blocked" })).toBe(1);
    expect(value(samples, "provisioner_iam_calls", { channel: "people", target: "acct", action: "CreateUser" })).toBe(
      2,
    );
    expect(
      value(samples, "provisioner_iam_calls", { channel: "people", target: "acct", action: "AddUserToGroup" }),
    ).toBe(2);
    // The latest run of "people" is the blocked one, which reached no user.
    expect(samples.filter((s) => s.name === "provisioner_last_run_users" && s.labels.channel === "people")).toEqual([]);
    expect(
      value(samples, "provisioner_last_run_start_timestamp_seconds", { channel: "people", status: "blocked" }),
    ).toBeGreaterThan(1.7e9);

    expect(value(samples, "provisioner_target_max_rate", { target: "acct" })).toBe(20);
    const rate = value(samples, "provisioner_target_effective_rate", { target: "acct" }) ?? 0;
    expect(rate).toBeGreaterThanOrEqual(1);
    expect(rate).toBeLessThan(20);
    expect(value(samples, "provisioner_iam_throttles_total", { target: "acct" })).toBe(1);
    expect(value(samples, "provisioner_iam_requests_granted_total", { target: "acct" })).toBe(1);
    expect(value(samples, "provisioner_iam_rate_cuts_total", { target: "acct" })).toBe(1);
    expect(value(samples, "provisioner_target_healthy", { target: "acct" })).toBe(1);
    expect(value(samples, "provisioner_target_healthy", { target: "spare" })).toBe(0);

    expect(value(samples, "provisioner_queue_jobs", { queue: "dead-letter", state: "waiting" })).toBe(1);
    expect(value(samples, "provisioner_queue_jobs", { queue: "snapshot", state: "waiting" })).toBe(0);
    expect(value(samples, "provisioner_queue_jobs", { queue: "provision-spare", state: "active" })).toBe(0);
    expect(value(samples, "provisioner_dead_letters", { channel: "people" })).toBe(1);
    expect(value(samples, "provisioner_dead_letters", { channel: "contractors" })).toBe(0);

    expect(types.get("provisioner_run_duration_seconds")).toBe("histogram");
    expect(types.get("provisioner_iam_throttles_total")).toBe("counter");
    expect(value(samples, "provisioner_run_duration_seconds_count", { channel: "people", mode: "full" })).toBe(1);
    expect(
      value(samples, "provisioner_run_duration_seconds_bucket", { channel: "people", mode: "full", le: "+Inf" }),
    ).toBe(1);
    expect(value(samples, "provisioner_run_duration_seconds_count", { channel: "people", mode: "incremental" })).toBe(
      1,
    );
  });

  it("a second scrape reports the same totals (values are set from Redis, not accumulated)", async () => {
    const a = parseExposition((await call(h.url, "/metrics", { auth: AUTH.viewer })).text).samples;
    const b = parseExposition((await call(h.url, "/metrics", { auth: AUTH.viewer })).text).samples;
    expect(value(b, "provisioner_iam_calls", { channel: "people", action: "CreateUser" })).toBe(
      value(a, "provisioner_iam_calls", { channel: "people", action: "CreateUser" }),
    );
    expect(value(b, "provisioner_run_duration_seconds_count", { channel: "people", mode: "full" })).toBe(1);
  });

  it("/healthz is 200; /readyz is 503 while a target is paused and 200 once resumed", async () => {
    const health = await call(h.url, "/healthz");
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: "ok" });
    const paused = await call(h.url, "/readyz");
    expect(paused.status).toBe(503);
    expect(paused.json()).toEqual({ ready: false, redis: "ok", unhealthyTargets: ["spare"] });
    await h.ctx.health.markHealthy("spare");
    const ready = await call(h.url, "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ ready: true, redis: "ok", unhealthyTargets: [] });
  });
});

describe("dashboard with Redis unreachable", () => {
  it("stays up: /healthz 200, /readyz 503, /metrics says provisioner_redis_up 0", async () => {
    const ctx = new QueueContext(dashboardConfig({ redisUrl: "redis://127.0.0.1:1" }));
    ctx.redis.on("error", () => {});
    const dashboard = await startDashboard(ctx, { port: 0 });
    try {
      expect((await call(dashboard.url, "/healthz")).status).toBe(200);
      const ready = await call(dashboard.url, "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.json()).toEqual({ ready: false, redis: "unreachable" });
      const metrics = await call(dashboard.url, "/metrics", { auth: AUTH.viewer });
      expect(metrics.status).toBe(200);
      expect(value(parseExposition(metrics.text).samples, "provisioner_redis_up")).toBe(0);
      const page = await call(dashboard.url, "/", { auth: AUTH.viewer });
      expect(page.status).toBe(503);
      expect(page.text).toMatch(/Redis is unreachable/);
      const api = await call(dashboard.url, "/api/channels", { auth: AUTH.viewer });
      expect(api.status).toBe(503);
      expect(api.json()).toEqual({ error: expect.stringMatching(/^Redis is unreachable/) });
    } finally {
      await dashboard.close();
      ctx.redis.disconnect();
      await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 2_000))]);
    }
  });
});

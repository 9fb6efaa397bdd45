import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthConfigError } from "../../src/dashboard/auth.js";
import { startDashboard } from "../../src/dashboard/server.js";
import { QueueContext } from "../../src/queue/context.js";
import { AUTH, call, csrfFrom, dashboardConfig, dropPrefix, type Harness, startHarness } from "./dashboard-fixture.js";

/** fetch may not set Host (a forbidden header), so this one goes through node:http. */
function statusWithHost(base: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Authentication, roles, CSRF and security headers, against a dashboard bound to every interface. */
describe("dashboard auth beyond loopback", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ host: "0.0.0.0" });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers 401 with a challenge to requests without or with wrong credentials", async () => {
    for (const path of [
      "/",
      "/runs",
      "/dead-letters",
      "/users?q=alice",
      "/targets",
      "/queues",
      "/queues/api/queues",
      "/api/channels",
      "/metrics",
    ]) {
      const r = await call(h.url, path);
      expect(r.status, path).toBe(401);
      expect(r.headers.get("www-authenticate"), path).toMatch(/Basic realm=/);
      expect(r.headers.get("www-authenticate"), path).toMatch(/Bearer realm=/);
    }
    const wrongPassword = `Basic ${Buffer.from("ops:not-the-password").toString("base64")}`;
    expect((await call(h.url, "/", { auth: wrongPassword })).status).toBe(401);
    expect((await call(h.url, "/api/channels", { auth: "Bearer tok-not-a-real-token-0000" })).status).toBe(401);
    const api = await call(h.url, "/api/channels");
    expect(api.json()).toEqual({ error: "authentication required" });
  });

  it("probes answer without credentials", async () => {
    expect((await call(h.url, "/healthz")).status).toBe(200);
    expect([200, 503]).toContain((await call(h.url, "/readyz")).status);
  });

  it("bearer tokens and basic auth both work for reads", async () => {
    for (const auth of [AUTH.operator, AUTH.viewer, AUTH.operatorToken, AUTH.viewerToken]) {
      expect((await call(h.url, "/api/channels", { auth })).status).toBe(200);
      expect((await call(h.url, "/", { auth })).status).toBe(200);
    }
  });

  it("a viewer gets 403 on every action: API, forms and bull-board writes", async () => {
    const operatorPage = (await call(h.url, "/", { auth: AUTH.operator })).text;
    const token = csrfFrom(operatorPage);
    const actions: [string, unknown][] = [
      ["/channels/people/sync", {}],
      ["/channels/people/replay", { failed: true }],
      [`/runs/${h.seeded.blockedRun}/approve`, {}],
      ["/targets/spare/resume", {}],
      ["/dead-letters/purge", { all: true }],
    ];
    for (const auth of [AUTH.viewer, AUTH.viewerToken]) {
      for (const [path, json] of actions) {
        const r = await call(h.url, `/api${path}`, { auth, json });
        expect(r.status, path).toBe(403);
        expect(r.json()).toEqual({ error: "this action needs the operator role" });
      }
    }
    const forms: [string, Record<string, string>][] = [
      ["/channels/people/sync", {}],
      ["/channels/people/sync", { full: "1" }],
      ["/channels/people/replay", { failed: "1" }],
      [`/runs/${h.seeded.blockedRun}/approve`, {}],
      ["/targets/spare/resume", {}],
      ["/dead-letters/replay", { all: "1" }],
      ["/dead-letters/purge", { all: "1" }],
    ];
    for (const [path, form] of forms) {
      // Even with a valid operator token in the form, the viewer's role decides.
      const r = await call(h.url, path, { auth: AUTH.viewer, form: { ...form, _csrf: token } });
      expect(r.status, path).toBe(403);
    }
    for (const [method, path] of [
      ["PUT", "/queues/api/queues/snapshot/pause"],
      ["PUT", "/queues/api/queues/snapshot/empty"],
      ["POST", "/queues/api/queues/snapshot/add"],
    ] as const) {
      const r = await call(h.url, path, { auth: AUTH.viewer, method, json: { name: "x", data: {} } });
      expect(r.status, path).toBe(403);
    }
    // The viewer's board offers no writes at all; the operator's does.
    const readOnly = async (auth: string) => {
      const body = (await call(h.url, "/queues/api/queues", { auth })).json();
      return (body as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
    };
    expect((await readOnly(AUTH.viewer)).every((q) => q.readOnlyMode)).toBe(true);
    expect((await readOnly(AUTH.operator)).find((q) => q.name === "snapshot")?.readOnlyMode).toBe(false);
    expect(await h.ctx.snapshotQueue.isPaused()).toBe(false);
    expect(await h.ctx.snapshotQueue.count()).toBe(0);
    expect(await h.ctx.deadLetters.count()).toBe(1);
    expect((await h.ctx.health.get("spare")).healthy).toBe(false);
  });

  it("a form POST without the CSRF token, or with another user's, is rejected with 403", async () => {
    const none = await call(h.url, "/channels/people/sync", { auth: AUTH.operator, form: { full: "1" } });
    expect(none.status).toBe(403);
    expect(none.text).toMatch(/CSRF/);
    const bogus = await call(h.url, "/channels/people/sync", { auth: AUTH.operator, form: { _csrf: "forged" } });
    expect(bogus.status).toBe(403);
    const viewersToken = csrfFrom((await call(h.url, "/dead-letters", { auth: AUTH.operatorToken })).text);
    const crossUser = await call(h.url, "/channels/people/sync", {
      auth: AUTH.operator,
      form: { _csrf: viewersToken },
    });
    expect(crossUser.status).toBe(403);
    expect(await h.ctx.snapshotQueue.count()).toBe(0);
  });

  it("a form POST with the page's token works and redirects to the run", async () => {
    const token = csrfFrom((await call(h.url, "/", { auth: AUTH.operator })).text);
    const r = await call(h.url, "/channels/people/sync", { auth: AUTH.operator, form: { _csrf: token, full: "1" } });
    expect(r.status).toBe(303);
    const location = r.headers.get("location") ?? "";
    expect(location).toMatch(/^\/runs\/people-/);
    const runId = decodeURIComponent(location.slice("/runs/".length));
    expect(await h.ctx.runs.get(runId)).toMatchObject({ mode: "full", trigger: "dashboard" });
    await h.ctx.snapshotQueue.obliterate({ force: true });
  });

  it("cross-site state changes are refused even with credentials", async () => {
    const token = csrfFrom((await call(h.url, "/", { auth: AUTH.operator })).text);
    const foreign = await call(h.url, "/channels/people/sync", {
      auth: AUTH.operator,
      form: { _csrf: token },
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    const fetchSite = await call(h.url, "/api/channels/people/sync", {
      auth: AUTH.operator,
      json: {},
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(fetchSite.status).toBe(403);
    const board = await call(h.url, "/queues/api/queues/snapshot/pause", {
      auth: AUTH.operator,
      method: "PUT",
      headers: { origin: "null" },
    });
    expect(board.status).toBe(403);
    const apiForm = await call(h.url, "/api/channels/people/sync", { auth: AUTH.operator, form: { full: "true" } });
    expect(apiForm.status).toBe(415);
    expect(await h.ctx.snapshotQueue.count()).toBe(0);
  });

  it("sets security headers, with a nonce-only CSP on pages and bull-board's own policy under /queues", async () => {
    const page = await call(h.url, "/", { auth: AUTH.viewer });
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(page.text).toContain(`<script nonce="${nonce}">`);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("same-origin");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("x-powered-by")).toBeNull();
    const board = await call(h.url, "/queues", { auth: AUTH.viewer });
    expect(board.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(board.headers.get("x-frame-options")).toBe("DENY");
    expect(board.headers.get("x-powered-by")).toBeNull();
    const api = await call(h.url, "/api/channels", { auth: AUTH.viewer });
    expect(api.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe("dashboard without users or tokens", () => {
  it("is open on loopback, but only to a loopback Host header", async () => {
    const h = await startHarness({ auth: false, seed: false });
    try {
      const r = await call(h.url, "/api/channels");
      expect(r.status).toBe(200);
      const page = await call(h.url, "/");
      expect(page.text).toContain("local · operator");
      // A DNS-rebinding page reaches the port under its own name: refused.
      expect(await statusWithHost(h.url, "/api/channels", "attacker.example")).toBe(421);
      expect(await statusWithHost(h.url, "/api/channels", "localhost:8080")).toBe(200);
      // Open mode still needs the form token.
      expect((await call(h.url, "/channels/people/sync", { form: {} })).status).toBe(403);
    } finally {
      await h.close();
    }
  });

  it("refuses to listen beyond loopback", async () => {
    const ctx = new QueueContext(dashboardConfig({ auth: false }));
    ctx.redis.on("error", () => {});
    try {
      await expect(startDashboard(ctx, { host: "0.0.0.0", port: 0 })).rejects.toBeInstanceOf(AuthConfigError);
    } finally {
      await dropPrefix(ctx);
      await ctx.close();
    }
  });
});

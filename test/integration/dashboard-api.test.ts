import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelOverview, RunDetail } from "../../src/dashboard/read-model.js";
import { AUTH, call, type Harness, SECRETS, startHarness } from "./dashboard-fixture.js";

/** The JSON API: shapes of every read, validated bodies with field-naming errors, and the actions. */
describe("dashboard JSON API", () => {
  let h: Harness;
  const bodies: string[] = [];
  const api = async (path: string, opts: Parameters<typeof call>[2] = {}) => {
    const r = await call(h.url, `/api${path}`, { auth: AUTH.operatorToken, ...opts });
    bodies.push(r.text);
    return r;
  };

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("GET /api/channels", async () => {
    const r = await api("/channels");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    const { channels } = r.json() as { channels: ChannelOverview[] };
    const people = channels.find((c) => c.name === "people");
    expect(people).toMatchObject({
      active: true,
      target: "acct",
      schedule: { incremental: "15m", full: "0 3 * * *", timezone: "UTC" },
      lastRun: { id: h.seeded.blockedRun, status: "blocked", reasons: ["12 removals exceed maxDeletes 10%"] },
      deadLetters: 1,
      targetHealth: { target: "acct", healthy: true },
    });
    expect(people?.nextRuns.map((n) => n.mode)).toEqual(["incremental", "full"]);
    expect(people?.nextRuns[1]?.at).toMatch(/T03:00:00\.000Z$/);
    const contractors = channels.find((c) => c.name === "contractors");
    expect(contractors).toMatchObject({ active: false, nextRuns: [], lastRun: null, targetHealth: { healthy: false } });
  });

  it("GET /api/runs?channel= and /api/runs/:id", async () => {
    const list = await api("/runs?channel=people");
    expect(list.status).toBe(200);
    const { runs } = list.json() as { runs: { id: string }[] };
    expect(runs.map((r) => r.id)).toEqual([h.seeded.blockedRun, h.seeded.completedRun]);
    expect((await api("/runs?channel=nope")).status).toBe(404);

    const one = await api(`/runs/${h.seeded.completedRun}`);
    expect(one.status).toBe(200);
    const d = one.json() as RunDetail;
    expect(d.run).toMatchObject({
      status: "completed_with_failures",
      mode: "full",
      counts: { created: 1, dead_lettered: 1, invalid: 1, unchanged: 1 },
      calls: { CreateUser: 2, CreateLoginProfile: 1, AddUserToGroup: 2 },
    });
    expect(d.run.durationMs).toBeGreaterThanOrEqual(0);
    expect(d.failedUsers).toEqual([
      expect.objectContaining({
        sourceId: "u2",
        outcome: "dead_lettered",
        userName: "bob",
        errorCode: "PasswordPolicyViolation",
        deadLetterId: h.seeded.deadLetterId,
      }),
      expect.objectContaining({ sourceId: "u3", outcome: "invalid" }),
    ]);
    expect(d.links.snapshotJob).toBe(`/queues/queue/snapshot/${h.seeded.completedRun}`);
    const missing = await api("/runs/nope");
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: 'unknown run "nope"' });
  });

  it("GET /api/dead-letters?channel=&reason=", async () => {
    const r = await api("/dead-letters?channel=people&reason=passwordpolicy");
    const body = r.json() as { deadLetters: { jobId: string; sourceId: string; url: string }[]; total: number };
    expect(body.total).toBe(1);
    expect(body.deadLetters[0]).toMatchObject({
      jobId: h.seeded.deadLetterId,
      sourceId: "u2",
      channel: "people",
      errorKind: "permanent",
      url: `/queues/queue/dead-letter/${h.seeded.deadLetterId}`,
    });
    expect(((await api("/dead-letters?reason=throttl")).json() as { total: number }).total).toBe(0);
  });

  it("GET /api/users?q= shows desired state with the password as set, applied state and history", async () => {
    const r = await api("/users?q=Alice");
    expect(r.status).toBe(200);
    const { users } = r.json() as { users: Record<string, unknown>[] };
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({
      channel: "people",
      sourceId: "u1",
      userName: "alice",
      desired: { userName: "alice", loginProfile: { password: "set", passwordResetRequired: true }, groups: ["eng"] },
      applied: { userName: "alice", hasLoginProfile: true, runId: h.seeded.completedRun },
      deadLetter: null,
      history: [expect.objectContaining({ kind: "create", runId: h.seeded.completedRun })],
    });
    const missingQ = await api("/users");
    expect(missingQ.status).toBe(400);
    expect((missingQ.json() as { error: string }).error).toMatch(/^q:/);
  });

  it("GET /api/targets", async () => {
    const { targets } = (await api("/targets")).json() as {
      targets: { name: string; budget: { rate: number; max: number; granted: number }; health: { healthy: boolean } }[];
    };
    expect(targets.find((t) => t.name === "acct")).toMatchObject({
      budget: { max: 20, granted: 1 },
      health: { healthy: true },
    });
    expect(targets.find((t) => t.name === "spare")).toMatchObject({ health: { healthy: false } });
  });

  it("POST bodies are validated and errors name the field", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["/channels/people/sync", { full: "yes" }, /^full: /],
      ["/channels/people/sync", { fast: true }, /unknown field "fast"/],
      ["/channels/people/replay", {}, /^sourceIds: give either sourceIds or failed: true/],
      ["/channels/people/replay", { sourceIds: [] }, /^sourceIds: /],
      ["/channels/people/replay", { sourceIds: ["a"], failed: true }, /^sourceIds: /],
      ["/dead-letters/purge", {}, /^channel: give channel, ids or all: true/],
      ["/dead-letters/purge", { ids: [1] }, /^ids\.0: /],
    ];
    for (const [path, json, error] of cases) {
      const r = await api(path, { json });
      expect(r.status, path).toBe(400);
      expect((r.json() as { error: string }).error, `${path} ${JSON.stringify(json)}`).toMatch(error);
    }
    const notJson = await api("/channels/people/sync", { method: "POST", headers: { "content-type": "text/plain" } });
    expect(notJson.status).toBe(415);
    const broken = await api("/channels/people/sync", {
      method: "POST",
      headers: { "content-type": "application/json" },
      raw: "{not json",
    });
    expect(broken.status).toBe(400);
    expect(broken.json()).toEqual({ error: "body is not valid JSON" });
    expect((await api("/channels/nope/sync", { json: {} })).status).toBe(404);
    expect((await api("/targets/nope/resume", { json: {} })).status).toBe(404);
    expect((await api("/nothing-here")).status).toBe(404);
  });

  it("POST sync starts a run once per channel; approve needs a blocked run", async () => {
    const first = await api("/channels/people/sync", { json: { full: true } });
    expect(first.status).toBe(202);
    const { runId } = first.json() as { runId: string; created: boolean };
    expect(runId).toMatch(/^people-/);
    const run = await h.ctx.runs.get(runId);
    expect(run).toMatchObject({ mode: "full", trigger: "api", status: "running" });
    const again = await api("/channels/people/sync", { json: {} });
    expect(again.status).toBe(200);
    expect(again.json()).toEqual({ runId, created: false });
    const job = await h.ctx.snapshotQueue.getJob(runId);
    expect(job?.data).toMatchObject({ channel: "people", mode: "full", allowDeletions: false });

    const notBlocked = await api(`/runs/${h.seeded.completedRun}/approve`, { json: {} });
    expect(notBlocked.status).toBe(409);
    // Without workers the sync above stays pending; clear it so the approval gets its own run.
    await h.ctx.snapshotQueue.obliterate({ force: true });
    const approved = await api(`/runs/${h.seeded.blockedRun}/approve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    expect(approved.status).toBe(202);
    const approvedJob = await h.ctx.snapshotQueue.getJob((approved.json() as { runId: string }).runId);
    expect(approvedJob?.data).toMatchObject({ allowDeletions: true, mode: "incremental", trigger: "api" });
  });

  it("POST replay of named users; a pending run answers 409", async () => {
    await h.ctx.snapshotQueue.obliterate({ force: true });
    const r = await api("/channels/people/replay", { json: { sourceIds: ["u2"] } });
    expect(r.status).toBe(202);
    const body = r.json() as { runId: string; sourceIds: string[] };
    expect(body.sourceIds).toEqual(["u2"]);
    expect((await h.ctx.snapshotQueue.getJob(body.runId))?.data).toMatchObject({ mode: "replay", sourceIds: ["u2"] });
    const busy = await api("/channels/people/replay", { json: { failed: true } });
    expect(busy.status).toBe(409);
    expect(busy.json()).toMatchObject({ runId: body.runId });
  });

  it("POST resume marks the target healthy; purge removes dead letters by id", async () => {
    const resumed = await api("/targets/spare/resume", { json: {} });
    expect(resumed.status).toBe(200);
    expect(resumed.json()).toMatchObject({ target: "spare", health: { healthy: true } });
    expect((await h.ctx.health.get("spare")).healthy).toBe(true);

    const purged = await api("/dead-letters/purge", { json: { ids: [h.seeded.deadLetterId] } });
    expect(purged.json()).toEqual({ purged: 1 });
    expect(await h.ctx.deadLetters.count()).toBe(0);
    const again = await api("/dead-letters/purge", { json: { channel: "people" } });
    expect(again.json()).toEqual({ purged: 0 });
  });

  it("no secret appears in any API response", () => {
    const all = bodies.join("\n");
    expect(all).toContain('"password":"set"');
    for (const [name, value] of Object.entries(SECRETS)) expect(all, name).not.toContain(value);
  });
});

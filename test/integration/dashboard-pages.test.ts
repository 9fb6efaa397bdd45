import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, call, type Harness, SECRETS, startHarness } from "./dashboard-fixture.js";

/** Every page renders with seeded data, links where it should, and never shows a secret. */
describe("dashboard pages", () => {
  let h: Harness;
  const seen: string[] = [];
  const get = async (path: string, auth = AUTH.operator) => {
    const r = await call(h.url, path, { auth });
    seen.push(`${path}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${r.text}`);
    return r;
  };

  beforeAll(async () => {
    h = await startHarness({ host: "0.0.0.0" });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("channels: last run, next runs, dead letters, target health and the buttons", async () => {
    const r = await get("/");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    expect(r.text).toContain('data-channel="people"');
    expect(r.text).toContain('data-channel="contractors"');
    expect(r.text).toContain("blocked");
    expect(r.text).toContain("12 removals exceed maxDeletes 10%");
    expect(r.text).toContain(`href="/runs/${h.seeded.blockedRun}"`);
    expect(r.text).toMatch(/incremental: within 15m|incremental: \d{4}-/);
    expect(r.text).toMatch(/full: \d{4}-\d\d-\d\dT03:00:00\.000Z/);
    expect(r.text).toContain('href="/dead-letters?channel=people"');
    expect(r.text).toContain("paused: auth failed");
    for (const button of ["Sync now", "Full sync", "Approve deletions", "Replay failed"])
      expect(r.text).toContain(button);
    expect(r.text).toContain(`action="/runs/${h.seeded.blockedRun}/approve"`);
    expect(r.text).toContain("not scheduled");
    expect(r.text).toContain('href="/queues"');
  });

  it("a viewer sees the same page without any action form", async () => {
    const r = await get("/", AUTH.viewer);
    expect(r.status).toBe(200);
    expect(r.text).toContain('data-channel="people"');
    expect(r.text).not.toContain('method="post"');
    expect(r.text).not.toContain("_csrf");
  });

  it("run: counts by outcome, IAM calls by action, failed users with reasons and bull-board links", async () => {
    const r = await get(`/runs/${h.seeded.completedRun}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain("completed with failures");
    expect(r.text).toMatch(/<td>created<\/td><td class="num">1<\/td>/);
    expect(r.text).toMatch(/<td>dead lettered<\/td><td class="num">1<\/td>/);
    expect(r.text).toMatch(/<td>CreateUser<\/td><td class="num">2<\/td>/);
    expect(r.text).toMatch(/<td>AddUserToGroup<\/td><td class="num">2<\/td>/);
    expect(r.text).toContain("PasswordPolicyViolation: Password does not conform");
    expect(r.text).toContain("invalid at plan time");
    expect(r.text).toContain(`href="/queues/queue/snapshot/${h.seeded.completedRun}"`);
    expect(r.text).toContain(`href="/queues/queue/provision-acct/people.${h.seeded.completedRun}.dTI"`);
    expect(r.text).toContain(`href="/dead-letters/${h.seeded.deadLetterId}"`);
  });

  it("runs list and an unknown run", async () => {
    const list = await get("/runs?channel=people");
    expect(list.status).toBe(200);
    expect(list.text).toContain(h.seeded.completedRun);
    expect(list.text).toContain(h.seeded.blockedRun);
    const missing = await get("/runs/no-such-run");
    expect(missing.status).toBe(404);
  });

  it("dead letters: filter by channel and reason, select, replay and purge controls", async () => {
    const all = await get("/dead-letters");
    expect(all.status).toBe(200);
    expect(all.text).toContain(`data-dead-letter="${h.seeded.deadLetterId}"`);
    expect(all.text).toContain("PasswordPolicyViolation");
    expect(all.text).toContain('name="ids"');
    expect(all.text).toContain("Replay selected");
    expect(all.text).toContain("Purge all");
    const byReason = await get("/dead-letters?channel=people&reason=policy");
    expect(byReason.text).toContain(`data-dead-letter="${h.seeded.deadLetterId}"`);
    const none = await get("/dead-letters?reason=throttling");
    expect(none.text).toContain("No dead letters.");
    const other = await get("/dead-letters?channel=contractors");
    expect(other.text).not.toContain(`data-dead-letter="`);
  });

  it("one dead letter", async () => {
    const r = await get(`/dead-letters/${h.seeded.deadLetterId}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain("Dead letter: bob");
    expect(r.text).toContain("provision-acct");
    expect(r.text).toContain(`href="/queues/queue/dead-letter/${h.seeded.deadLetterId}"`);
    expect((await get("/dead-letters/people.nope")).status).toBe(404);
  });

  it("users: desired vs applied state, history, by user name (any case) or source id; the password shows as set", async () => {
    for (const q of ["alice", "ALICE", "u1"]) {
      const r = await get(`/users?q=${q}`);
      expect(r.status).toBe(200);
      expect(r.text).toContain('data-user="u1"');
      expect(r.text).toContain("password set");
      expect(r.text).toContain("email=alice@example.com");
      expect(r.text).toMatch(/<td>create<\/td>/);
      expect(r.text).toContain("No dead letter.");
    }
    const bob = await get("/users?q=bob");
    expect(bob.text).toContain('data-user="u2"');
    expect(bob.text).toContain("Dead-lettered");
    const nobody = await get("/users?q=nobody-here");
    expect(nobody.text).toContain("Nobody matches");
    const empty = await get("/users");
    expect(empty.status).toBe(200);
  });

  it("targets: health, effective rate and a resume button for the paused one", async () => {
    const r = await get("/targets");
    expect(r.status).toBe(200);
    expect(r.text).toContain('data-target="acct"');
    expect(r.text).toContain("20.00 / 20 req/s");
    expect(r.text).toContain("InvalidClientTokenId");
    expect(r.text).toContain('action="/targets/spare/resume"');
    expect(r.text).not.toContain('action="/targets/acct/resume"');
  });

  it("bull-board at /queues with every queue and links back to the project's pages", async () => {
    const page = await get("/queues");
    expect(page.status).toBe(200);
    const config = /<script id="__UI_CONFIG__" type="application\/json">(.*?)<\/script>/s.exec(page.text)?.[1] ?? "{}";
    const ui = JSON.parse(config) as { miscLinks?: { url: string }[] };
    expect(ui.miscLinks?.map((l) => l.url)).toEqual(
      expect.arrayContaining(["/", "/dead-letters", "/users", "/targets"]),
    );
    const api = await get("/queues/api/queues");
    expect(api.status).toBe(200);
    const names = (api.json() as { queues: { name: string; readOnlyMode: boolean }[] }).queues.map((q) => [
      q.name,
      q.readOnlyMode,
    ]);
    expect(names).toEqual(
      expect.arrayContaining([
        ["snapshot", false],
        ["provision-acct", false],
        ["provision-spare", false],
        ["dead-letter", true],
      ]),
    );
  });

  it("escapes what comes from Redis", async () => {
    const r = await get(`/users?q=${encodeURIComponent("<script>alert(1)</script>")}`);
    expect(r.text).not.toContain("<script>alert(1)</script>");
    expect(r.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("no secret appears in any page or header seen above", () => {
    expect(seen.length).toBeGreaterThan(10);
    const all = seen.join("\n");
    for (const [name, value] of Object.entries(SECRETS)) expect(all, name).not.toContain(value);
  });
});

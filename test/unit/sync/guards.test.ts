import { describe, expect, it } from "vitest";
import { guardReasons, removalLimit } from "../../../src/sync/guards.js";
import { planRun } from "../../../src/sync/plan.js";
import { FakeIam } from "./fake-iam.js";
import { makeChannel, person, source } from "./helpers.js";

const ten = Array.from({ length: 10 }, (_, i) => person(String(i), `user${i}`));

async function tenSynced(channel = makeChannel()) {
  const iam = new FakeIam();
  iam.apply(await iam.plan({ channel, mode: "incremental", source: source(ten) }));
  expect(iam.applied.size).toBe(10);
  return iam;
}

describe("guards", () => {
  it("computes the removal limit from a count or a percent of managed users", () => {
    expect(removalLimit(3, 100)).toBe(3);
    expect(removalLimit("10%", 100)).toBe(10);
    expect(removalLimit("10%", 25)).toBe(2);
    expect(removalLimit("2.5%", 1000)).toBe(25);
    expect(
      guardReasons({
        guards: { maxDeletes: 2, blockEmptySource: true },
        removals: 2,
        managed: 10,
        sourceUsers: 8,
        allowDeletions: false,
      }),
    ).toEqual([]);
  });

  it("fails a plan whose source read throws mid-way, removing nobody", async () => {
    const iam = await tenSynced();
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "incremental",
      source: source(ten, { failAfter: 4 }),
      allowDeletions: true,
    });
    expect(r.plan.status).toBe("failed");
    expect(r.plan.reasons[0]).toMatch(/source read failed.*LDAP connection reset/);
    expect(r.plan.users).toEqual([]);
    expect(r.deltas.size).toBe(0);
  });

  it("blocks removals over a count, saying how many and the limit, and carries no changes", async () => {
    const channel = makeChannel({ guards: { maxDeletes: 2 } });
    const iam = await tenSynced(channel);
    const r = await iam.plan({
      channel,
      mode: "incremental",
      source: source([...ten.slice(0, 7), person("new", "newbie")]),
    });
    expect(r.plan.status).toBe("blocked");
    expect(r.plan.reasons).toEqual([expect.stringMatching(/^3 removals \(deletes \+ disables\) exceed maxDeletes 2/)]);
    expect(r.plan.users).toEqual([]);
    expect(r.plan.groups).toEqual([]);
    expect(r.deltas.size).toBe(0);
    expect(r.plan.skipped.map((s) => s.kind).sort()).toEqual(["create", "disable", "disable", "disable"]);
    expect(r.plan.skipped.every((s) => s.reason.includes("blocked"))).toBe(true);
  });

  it("blocks removals over a percent of the managed users", async () => {
    const channel = makeChannel({ guards: { maxDeletes: "20%" }, options: { removeAction: "delete" } });
    const iam = await tenSynced(channel);
    expect((await iam.plan({ channel, mode: "incremental", source: source(ten.slice(0, 8)) })).plan.status).toBe(
      "ready",
    );
    const r = await iam.plan({ channel, mode: "incremental", source: source(ten.slice(0, 7)) });
    expect(r.plan.status).toBe("blocked");
    expect(r.plan.reasons[0]).toMatch(/3 removals .* exceed maxDeletes 2 \(20% of 10 managed\)/);
  });

  it("lets approved removals through with allowDeletions", async () => {
    const channel = makeChannel({ guards: { maxDeletes: 0 } });
    const iam = await tenSynced(channel);
    const r = await iam.plan({ channel, mode: "incremental", source: source(ten.slice(0, 5)), allowDeletions: true });
    expect(r.plan.status).toBe("ready");
    expect(r.plan.users.filter((u) => u.kind === "disable")).toHaveLength(5);
  });

  it("blocks an empty source while the channel manages users", async () => {
    const channel = makeChannel();
    const iam = await tenSynced(channel);
    const r = await iam.plan({ channel, mode: "incremental", source: source([]) });
    expect(r.plan.status).toBe("blocked");
    expect(r.plan.reasons.join()).toMatch(/source returned no users while the channel manages 10/);
    const off = makeChannel({ guards: { blockEmptySource: false } });
    expect((await iam.plan({ channel: off, mode: "incremental", source: source([]) })).plan.status).toBe("ready");
  });

  it("counts managed users from AWS in full runs", async () => {
    const channel = makeChannel({ guards: { maxDeletes: "50%" } });
    const iam = await tenSynced(channel);
    iam.applied.clear();
    const r = await iam.plan({ channel, mode: "full", source: source(ten.slice(0, 4)) });
    expect(r.plan.status).toBe("blocked");
    expect(r.plan.reasons[0]).toMatch(/6 removals .* 5 \(50% of 10 managed\)/);
    const empty = await planRun({ channel, mode: "incremental", source: source([]), applied: new Map() });
    expect(empty.plan.status).toBe("ready");
  });
});

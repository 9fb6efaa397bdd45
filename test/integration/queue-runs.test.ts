import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../src/queue/names.js";
import { RunStore } from "../../src/queue/runs.js";
import { services, uniqueName } from "../support/env.js";
import { clearPrefix } from "../support/redis.js";

/** Run records against Redis: outcome counts kept in the run's hash, so reading a run never reads every user. */
const prefix = `{${uniqueName("runs")}}`;
let redis: Redis;
let runs: RunStore;

beforeAll(() => {
  redis = new Redis(services.redisUrl);
  runs = new RunStore(redis, prefix);
});

afterAll(async () => {
  await clearPrefix(services.redisUrl, prefix);
  await redis.quit();
});

const start = (id: string) =>
  runs.create({ id, channel: "eng", target: "aws", mode: "incremental", trigger: "cli", snapshotJobId: "1" });

describe("RunStore", () => {
  it("counts outcomes as they change, once per user, whatever is re-recorded", async () => {
    await start("r1");
    await runs.setPlanned("r1", 3, { a: "pending", b: "pending", c: "pending", x: "invalid" });
    // A retried snapshot plans again: nothing is counted twice.
    await runs.setPlanned("r1", 3, { a: "pending", b: "pending", c: "pending", x: "invalid" });
    expect((await runs.get("r1"))?.counts).toEqual({ invalid: 1 });
    expect((await runs.get("r1"))?.finished).toBe(1);

    await runs.recordOutcome("r1", "a", "created", { CreateUser: 1 });
    await runs.recordOutcome("r1", "a", "created", { CreateUser: 1 });
    await runs.recordOutcome("r1", "b", "dead_lettered", {});
    // A job re-run after its worker died finds nothing to do: the first outcome stays.
    await runs.recordOutcome("r1", "a", "unchanged", {}, { keepDone: true });
    // A dead letter that later succeeds in the same run moves from one count to the other.
    await runs.recordOutcome("r1", "b", "updated", {});
    const run = await runs.get("r1");
    expect(run?.counts).toEqual({ created: 1, updated: 1, invalid: 1 });
    expect(run?.finished).toBe(3);
    expect(run?.calls).toEqual({ CreateUser: 2 });
    expect(await runs.outcomes("r1")).toEqual({ a: "created", b: "updated", c: "pending", x: "invalid" });
  });

  it("still counts a run recorded before counts were kept, from its per-user outcomes", async () => {
    await start("old");
    await redis.hset(`${keys.run(prefix, "old")}:outcomes`, { a: "created", b: "pending", c: "dead_lettered" });
    const run = await runs.get("old");
    expect(run?.counts).toEqual({ created: 1, dead_lettered: 1 });
    expect(run?.finished).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForRun } from "../../src/cli/wait.js";
import { requestRun } from "../../src/queue/control.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { Pipeline, people } from "../support/pipeline.js";
import { PrivateRedis } from "../support/private-redis.js";
import { sleep, until } from "../support/processes.js";

/**
 * Redis restarted mid-run (AOF): queues, run records and state come back from the append-only file; the
 * workers reconnect; the run completes with every user applied and nobody deleted.
 */
const N = 300;

describe("fault: Redis restarted mid-run", () => {
  let emu: IamEmulator;
  let redis: PrivateRedis;
  let pl: Pipeline;

  beforeAll(async () => {
    emu = await startIamEmulator();
    redis = await new PrivateRedis().start();
    const staff = people(N);
    pl = await new Pipeline({
      emulator: emu,
      label: "fault-redis",
      redisUrl: redis.url,
      provisioning: { concurrency: 8, attempts: 8, backoffMs: 200, stalledAfterMs: 3_000 },
    }).setup({ people: staff, groups: { everyone: staff.map((p) => p.uid) } });
    emu.setLatency(20);
    await pl.startWorkers();
  }, 120_000);

  afterAll(async () => {
    emu?.setLatency(0);
    await pl?.close();
    await redis?.stop();
    await emu?.close();
  });

  it("the run completes after the restart with every user applied, nothing lost or deleted", async () => {
    const { runId } = await requestRun(pl.ctx, { channel: "staff", mode: "full", trigger: "cli" });
    await until(
      "a third of the users applied",
      async () => ((await pl.ctx.runs.get(runId))?.finished ?? 0) >= N / 3,
      120_000,
    );
    await redis.stop();
    await sleep(1_500);
    await redis.start();

    const run = await waitForRun(pl.ctx.runs, runId, { timeoutMs: 240_000, pollMs: 250 });
    expect(run.status).toBe("completed");
    expect(run.counts.created).toBe(N);
    expect(run.counts.dead_lettered ?? 0).toBe(0);
    const users = pl.managedUsers();
    expect(users).toHaveLength(N);
    expect(users.every((u) => u.groups.includes("everyone"))).toBe(true);
    expect(emu.counters(pl.keys.acct as string).byAction.DeleteUser).toBeUndefined();

    // And the state survived: the next incremental run has nothing to do.
    const again = await pl.run({ mode: "incremental" });
    expect(again.status).toBe("completed");
    expect(again.planned).toBe(0);
    console.log(
      `Redis restart mid-run: ${N} users applied, 0 dead letters, 0 deletions, run ${((run.durationMs ?? 0) / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});

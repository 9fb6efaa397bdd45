import { describe, expect, it } from "vitest";
import { Pipeline, people, pipelineFixture } from "../support/pipeline.js";

/**
 * IAM misbehaving all at once: 20 % of calls failing (500 ServiceFailure, dropped connections, and changes
 * applied but answered 500), a true rate far under the configured one, and latency spikes. Every user ends
 * applied, exactly once, with nobody dead-lettered or deleted.
 */
const N = 400;

describe("fault: IAM failing, throttling and slow", () => {
  const f = pipelineFixture(
    async (emu) => {
      const staff = people(N, { password: true });
      const pl = await new Pipeline({
        emulator: emu,
        label: "fault-iam",
        targets: [{ name: "acct", maxRequestsPerSecond: 300 }],
        provisioning: { concurrency: 16, attempts: 8, backoffMs: 100 },
      }).setup({
        people: staff,
        groups: { all: staff.map((p) => p.uid), half: staff.filter((_, i) => i % 2 === 0).map((p) => p.uid) },
      });
      await pl.startWorkers();
      return pl;
    },
    { emulator: { seed: 11 } },
  );

  it("every user applied once the faults stop counting, no dead letter, no deletion, counts right", async () => {
    const { emu, pl } = f;
    const key = pl.keys.acct as string;
    emu.setRate(key, 80);
    emu.setLatency(5, { probability: 0.05, ms: 800 });
    emu.setFailures({ serviceFailureRate: 0.1, dropRate: 0.05, failAfterApplyRate: 0.05, accessKeyId: key });

    const run = await pl.run({ mode: "full" }, 280_000);
    emu.setFailures({});
    emu.setLatency(0);

    expect(run.status).toBe("completed");
    expect(run.counts.created).toBe(N);
    expect(run.counts.dead_lettered ?? 0).toBe(0);
    expect(await pl.ctx.deadLetters.count("staff")).toBe(0);
    const users = pl.managedUsers();
    expect(users).toHaveLength(N);
    for (const u of users) {
      const i = Number(u.userName.slice(4));
      expect(u.groups.sort()).toEqual(i % 2 === 0 ? ["all", "half"] : ["all"]);
      expect(u.loginProfile?.passwordResetRequired).toBe(true);
    }
    const c = emu.counters(key);
    expect(c.byAction.DeleteUser).toBeUndefined();
    expect(c.throttled).toBeGreaterThan(0);
    expect(c.failed).toBeGreaterThan(0);
    // A rerun finds nothing to repair.
    const again = await pl.run({ mode: "full" });
    expect(again.planned).toBe(0);
    console.log(
      `IAM chaos: ${N} users applied, 0 dead letters, 0 deletions; ${c.total} calls, ${c.throttled} throttled, ` +
        `${c.failed} failed answers; run ${((run.durationMs ?? 0) / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});

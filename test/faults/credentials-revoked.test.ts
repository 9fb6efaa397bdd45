import { describe, expect, it } from "vitest";
import { waitForRun } from "../../src/cli/wait.js";
import { requestRun, resumeTarget } from "../../src/queue/control.js";
import { Pipeline, people, pipelineFixture } from "../support/pipeline.js";
import { until } from "../support/processes.js";

/**
 * One target's credentials revoked mid-run: that target's queue pauses and is marked unhealthy without
 * spending attempts or dead-lettering anyone; the other target carries on; once the key works again and the
 * operator resumes the target, every user is applied.
 */
const N = 200;

describe("fault: one target's credentials revoked", () => {
  const f = pipelineFixture(async (emu) => {
    const pl = await new Pipeline({
      emulator: emu,
      label: "fault-auth",
      targets: [{ name: "revoked" }, { name: "fine" }],
      channels: [
        { name: "a", target: "revoked", peopleOu: "a-people" },
        { name: "b", target: "fine", peopleOu: "b-people" },
      ],
      provisioning: { concurrency: 4, attempts: 3, backoffMs: 200 },
    }).setup({ people: [] });
    await pl.addPeople(people(N), "a-people");
    await pl.addPeople(people(N, { from: 5000 }), "b-people");
    emu.setLatency(15);
    await pl.startWorkers();
    return pl;
  });

  it("pauses only the revoked target, burns no attempts, and finishes after resume", async () => {
    const { emu, pl } = f;
    const key = pl.keys.revoked as string;
    const a = await requestRun(pl.ctx, { channel: "a", mode: "incremental", trigger: "cli" });
    await until("some users of a applied", async () => ((await pl.ctx.runs.get(a.runId))?.finished ?? 0) >= 20, 60_000);
    emu.revokeKey(key);
    await until("target revoked marked unhealthy", async () => !(await pl.ctx.health.get("revoked")).healthy, 30_000);
    expect(await pl.ctx.provisionQueue("revoked").isPaused()).toBe(true);
    expect((await pl.ctx.health.get("revoked")).reason).toMatch(/InvalidClientTokenId/);

    // The other account is untouched by this.
    const b = await pl.run({ channel: "b", mode: "incremental" }, 120_000);
    expect(b.status).toBe("completed");
    expect(b.counts.created).toBe(N);

    const stuck = await pl.ctx.runs.get(a.runId);
    expect(stuck?.status).toBe("running");
    expect(await pl.ctx.deadLetters.count("a")).toBe(0);

    // The operator fixes the key and resumes the target.
    emu.registerKey(key);
    const resumedAt = Date.now();
    const { promoted } = await resumeTarget(pl.ctx, "revoked");
    // The jobs the auth failure set aside are handed back at once, not after their one-minute recheck.
    expect(promoted).toBeGreaterThan(0);
    const done = await waitForRun(pl.ctx.runs, a.runId, { timeoutMs: 180_000, pollMs: 250 });
    expect(Date.now() - resumedAt).toBeLessThan(45_000);
    expect(done.status).toBe("completed");
    expect(done.counts.created).toBe(N);
    expect(await pl.ctx.deadLetters.count("a")).toBe(0);
    expect(pl.managedUsers("revoked")).toHaveLength(N);
    expect(pl.managedUsers("fine")).toHaveLength(N);
    expect((await pl.ctx.health.get("revoked")).healthy).toBe(true);
    console.log(
      `credentials revoked: ${N} + ${N} users applied, 0 dead letters, 0 deletions; paused target resumed and finished`,
    );
  }, 300_000);
});

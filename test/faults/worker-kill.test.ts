import { describe, expect, it } from "vitest";
import { waitForRun } from "../../src/cli/wait.js";
import { requestRun } from "../../src/queue/control.js";
import { Pipeline, people, pipelineFixture } from "../support/pipeline.js";
import { kill, killAll, sleep, spawnWorker, until, type WorkerProcess } from "../support/processes.js";

/**
 * Worker processes killed with SIGKILL three times during a run: a job whose worker died is taken over by
 * another worker, the run completes, and every user is applied exactly once in IAM.
 */
const N = 400;

describe("fault: workers killed with SIGKILL mid-run", () => {
  const spawned: WorkerProcess[] = [];
  const f = pipelineFixture(
    async (emu) => {
      const staff = people(N, { password: true });
      const pl = await new Pipeline({
        emulator: emu,
        label: "fault-kill",
        provisioning: { concurrency: 8, attempts: 8, backoffMs: 200, stalledAfterMs: 3_000 },
      }).setup({ people: staff, groups: { everyone: staff.map((p) => p.uid) } });
      // Slow IAM down so the run spans the kills.
      emu.setLatency(25);
      return pl;
    },
    { cleanup: () => killAll(spawned) },
  );

  it("the run completes and every user ends applied, once", async () => {
    const { emu, pl } = f;
    let worker = spawnWorker(pl.configFile);
    spawned.push(worker);
    await worker.ready;
    const { runId } = await requestRun(pl.ctx, { channel: "staff", mode: "full", trigger: "cli" });

    for (let kills = 0; kills < 3; kills++) {
      // Kill once some more users were applied: mid-run, with jobs in flight.
      const target = ((kills + 1) * N) / 5;
      await until(
        `${target} users applied`,
        async () => ((await pl.ctx.runs.get(runId))?.finished ?? 0) >= target,
        120_000,
      );
      await kill(worker, "SIGKILL");
      await sleep(200);
      worker = spawnWorker(pl.configFile);
      spawned.push(worker);
      await worker.ready;
    }
    const run = await waitForRun(pl.ctx.runs, runId, { timeoutMs: 240_000, pollMs: 200 });

    expect(run.status).toBe("completed");
    expect(run.counts.created).toBe(N);
    expect(run.counts.dead_lettered ?? 0).toBe(0);
    const users = pl.managedUsers();
    expect(users).toHaveLength(N);
    expect(users.every((u) => u.groups.includes("everyone") && u.loginProfile?.passwordResetRequired)).toBe(true);
    expect(new Set(users.map((u) => u.userName)).size).toBe(N);
    // Nothing deleted, nothing created twice: CreateUser succeeded exactly N times.
    const c = emu.counters(pl.keys.acct as string).byAction;
    expect(c.DeleteUser).toBeUndefined();
    expect((c.CreateUser?.calls ?? 0) - (c.CreateUser?.failed ?? 0)).toBe(N);
    console.log(
      `SIGKILL x3: ${N} users applied, ${c.CreateUser?.calls} CreateUser calls (${c.CreateUser?.failed ?? 0} EntityAlreadyExists on takeover), run ${((run.durationMs ?? 0) / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});

describe("graceful stop: SIGTERM mid-run", () => {
  const spawned: WorkerProcess[] = [];
  const M = 200;
  const f = pipelineFixture(
    async (emu) => {
      const pl = await new Pipeline({
        emulator: emu,
        label: "fault-term",
        provisioning: { concurrency: 8, stalledAfterMs: 3_000 },
      }).setup({ people: people(M) });
      emu.setLatency(25);
      return pl;
    },
    { cleanup: () => killAll(spawned) },
  );

  it("the stopping worker finishes its jobs and exits 0; the next one completes the run with no job applied twice", async () => {
    const { emu, pl } = f;
    const first = spawnWorker(pl.configFile);
    spawned.push(first);
    await first.ready;
    const { runId } = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    await until(
      "a quarter of the users applied",
      async () => ((await pl.ctx.runs.get(runId))?.finished ?? 0) >= M / 4,
      60_000,
    );
    const exited = new Promise<number | null>((r) => first.child.once("exit", (code) => r(code)));
    first.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(first.output()).toMatch(/shutting down: finishing jobs in progress/);

    const second = spawnWorker(pl.configFile);
    spawned.push(second);
    await second.ready;
    const run = await waitForRun(pl.ctx.runs, runId, { timeoutMs: 120_000, pollMs: 200 });
    expect(run).toMatchObject({ status: "completed", counts: { created: M } });
    // Nothing was interrupted, so nothing was retried: exactly one CreateUser per person.
    expect(emu.counters(pl.keys.acct as string).byAction.CreateUser).toMatchObject({ calls: M, failed: 0 });
  }, 200_000);
});

import { describe, expect, it } from "vitest";
import { SNAPSHOT_JOB } from "../../jobs/snapshot.js";
import { waitForRun } from "../../src/cli/wait.js";
import { ChannelBusyError, requestReplay, requestRun } from "../../src/queue/control.js";
import { ChannelLock } from "../../workers/lock.js";
import { Pipeline, people, pipelineFixture } from "../support/pipeline.js";
import { until } from "../support/processes.js";

/** At most one run per channel at a time, whoever asked for it. */
describe("one run per channel", () => {
  const f = pipelineFixture(async (emu) => {
    const pl = await new Pipeline({ emulator: emu, label: "pl-conc", provisioning: { concurrency: 4 } }).setup({
      people: people(120),
    });
    await pl.startWorkers();
    return pl;
  });

  const scheduled = () =>
    f.pl.ctx.snapshotQueue.add(SNAPSHOT_JOB, {
      channel: "staff",
      runId: "scheduled",
      mode: "incremental",
      trigger: "schedule",
      allowDeletions: false,
      step: "plan",
    });
  const lock = () => new ChannelLock(f.pl.ctx.redis, f.pl.ctx.prefix, "staff");

  it("a run asked for while a scheduled one is in progress waits its turn, then runs", async () => {
    const { emu, pl } = f;
    emu.setLatency(20);
    await scheduled();
    await until("the scheduled run to hold the channel", async () => (await lock().holder()) !== null, 30_000, 20);
    const scheduledRunId = (await lock().holder()) as string;

    const asked = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    expect(asked.created).toBe(true);
    const first = await waitForRun(pl.ctx.runs, scheduledRunId, { timeoutMs: 60_000, pollMs: 50 });
    const second = await waitForRun(pl.ctx.runs, asked.runId, { timeoutMs: 60_000, pollMs: 50 });
    emu.setLatency(0);
    expect(first).toMatchObject({ status: "completed", trigger: "schedule", counts: { created: 120 } });
    expect(second).toMatchObject({ status: "completed", trigger: "cli", planned: 0 });
    expect(Date.parse(second.endedAt as string)).toBeGreaterThanOrEqual(Date.parse(first.endedAt as string));
  });

  it("a scheduled tick while the channel is busy is skipped, leaving no run record", async () => {
    const { emu, pl } = f;
    await pl.modify(
      people(40, { from: 500 })
        .map(
          (p) =>
            `dn: uid=${p.uid},ou=people,@BASE@\nchangetype: add\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.cn}\nsn: x\n`,
        )
        .join("\n"),
    );
    emu.setLatency(40);
    const busy = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    await until("the run to hold the channel", async () => (await lock().holder()) === busy.runId, 30_000, 20);
    const before = (await pl.ctx.runs.list("staff", 100)).length;
    const tick = await scheduled();
    await until(
      "the tick to be processed",
      async () => (await pl.ctx.snapshotQueue.getJob(tick.id as string))?.returnvalue != null,
      30_000,
      20,
    );
    const job = await pl.ctx.snapshotQueue.getJob(tick.id as string);
    expect(job?.returnvalue).toMatchObject({ skipped: expect.stringMatching(/in progress/) });
    expect((await pl.ctx.runs.list("staff", 100)).length).toBe(before);
    const done = await waitForRun(pl.ctx.runs, busy.runId, { timeoutMs: 60_000, pollMs: 50 });
    emu.setLatency(0);
    expect(done).toMatchObject({ status: "completed", counts: { created: 40 } });
  });

  it("a replay or an approval asked for while a run is pending is refused, not swallowed by it", async () => {
    const { emu, pl } = f;
    emu.setLatency(40);
    await pl.modify(
      people(30, { from: 900 })
        .map(
          (p) =>
            `dn: uid=${p.uid},ou=people,@BASE@\nchangetype: add\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: ${p.cn}\nsn: x\n`,
        )
        .join("\n"),
    );
    const pending = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    const again = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    expect(again).toEqual({ runId: pending.runId, created: false });
    await expect(requestReplay(pl.ctx, "staff", { sourceIds: ["someone"] }, "cli")).rejects.toBeInstanceOf(
      ChannelBusyError,
    );
    await expect(
      requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli", allowDeletions: true }),
    ).rejects.toThrow(new RegExp(`already pending or running \\(${pending.runId}\\)`));
    await waitForRun(pl.ctx.runs, pending.runId, { timeoutMs: 60_000, pollMs: 50 });
    emu.setLatency(0);
  });

  it("a run asked for the moment the last one ended is a new run, not the one that ended", async () => {
    const { pl } = f;
    // The window between a run's end and its job's completion, held open: the workers are stopped, a
    // run is queued, and its record is closed as the finaliser closes it.
    await pl.workers?.close();
    pl.workers = undefined;
    const ending = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    await pl.ctx.runs.finish(ending.runId, "completed");
    const asked = requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    // The old job completes (here: goes away) a moment later; only then may the new run take the channel.
    const job = await pl.ctx.snapshotQueue.getJob(ending.runId);
    await job?.remove();
    const next = await asked;
    expect(next.created).toBe(true);
    expect(next.runId).not.toBe(ending.runId);
    await pl.startWorkers();
    const run = await waitForRun(pl.ctx.runs, next.runId, { timeoutMs: 60_000, pollMs: 50 });
    expect(run.status).toBe("completed");
  });
});

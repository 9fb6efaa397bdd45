import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForRun } from "../../src/cli/wait.js";
import { requestRun } from "../../src/queue/control.js";
import { ChannelLock } from "../../workers/lock.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { waitForSlapd } from "../support/ldap-fixtures.js";
import { Pipeline, people } from "../support/pipeline.js";
import { crash, service, until } from "../support/processes.js";

/**
 * slapd stopped in the middle of a run's read: the run fails with the reason, and the short read deletes
 * nobody (the directory did not say those people left: it stopped talking). Once slapd is back, the next
 * run finds nothing to change.
 */
const N = 1_500;

describe("fault: the directory stops mid-read", () => {
  let emu: IamEmulator;
  let pl: Pipeline;

  beforeAll(async () => {
    emu = await startIamEmulator();
    pl = await new Pipeline({ emulator: emu, label: "fault-ldap", ldapPageSize: 1 }).setup({ people: people(N) });
    await pl.startWorkers();
    const first = await pl.run({ mode: "incremental" }, 120_000);
    expect(first.counts.created).toBe(N);
  }, 180_000);

  afterAll(async () => {
    service("up", "slapd");
    await waitForSlapd();
    await pl?.close();
    await emu?.close();
  });

  it("fails the run with the reason and removes nobody", async () => {
    emu.resetCounters(pl.keys.acct);
    const { runId } = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    // The snapshot takes the channel's lock just before it reads 1,500 pages of one entry: stop the
    // server (SIGKILL, a crash) as soon as the lock is taken, while the pages are coming.
    const lock = new ChannelLock(pl.ctx.redis, pl.ctx.prefix, "staff");
    await until("the snapshot to start", async () => (await lock.holder()) === runId, 30_000, 2);
    crash("slapd");
    const run = await waitForRun(pl.ctx.runs, runId, { timeoutMs: 120_000, pollMs: 100 });
    service("up", "slapd");
    await waitForSlapd();

    expect(run.status).toBe("failed");
    expect(run.reasons.join(" ")).toMatch(/source read failed|ldap|connect|closed/i);
    expect(run.planned).toBe(0);
    expect(emu.counters(pl.keys.acct as string).writes).toBe(0);
    expect(pl.managedUsers()).toHaveLength(N);
    expect(await pl.ctx.deadLetters.count("staff")).toBe(0);

    const next = await pl.run({ mode: "incremental" }, 120_000);
    expect(next.status).toBe("completed");
    expect(next.planned).toBe(0);
    console.log(
      `slapd stopped mid-read: run failed ("${run.reasons[0]}"), 0 writes, 0 deletions; next run completed with nothing to change`,
    );
  }, 240_000);
});

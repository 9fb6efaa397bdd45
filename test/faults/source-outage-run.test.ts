import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForRun } from "../../src/cli/wait.js";
import { requestRun } from "../../src/queue/control.js";
import { services } from "../support/env.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { waitForSlapd } from "../support/ldap-fixtures.js";
import { Pipeline, people } from "../support/pipeline.js";
import { crash, service, until } from "../support/processes.js";
import { type TcpTap, tcpTap } from "../support/tcp-tap.js";

/**
 * slapd stopped in the middle of a run's read (a relay counts what it has sent): the run fails with the
 * reason, and the short read deletes nobody (the directory did not say those people left: it stopped
 * talking). Once slapd is back, the next run finds nothing to change.
 */
const N = 1_500;

describe("fault: the directory stops mid-read", () => {
  let emu: IamEmulator;
  let pl: Pipeline;

  let tap: TcpTap;
  /** Bytes slapd sends for one whole read of the channel. */
  let oneRead = 0;

  beforeAll(async () => {
    emu = await startIamEmulator();
    const { hostname, port } = new URL(services.ldapUrl);
    tap = await tcpTap({ host: hostname, port: Number(port) });
    pl = await new Pipeline({ emulator: emu, label: "fault-ldap", ldapPageSize: 10, ldapUrl: tap.url }).setup({
      people: people(N),
    });
    await pl.startWorkers();
    const first = await pl.run({ mode: "incremental" }, 120_000);
    expect(first.counts.created).toBe(N);
    const before = tap.received;
    expect((await pl.run({ mode: "incremental" }, 120_000)).planned).toBe(0);
    oneRead = tap.received - before;
  }, 180_000);

  afterAll(async () => {
    service("up", "slapd");
    await waitForSlapd();
    await pl?.close();
    await emu?.close();
    await tap?.close();
  });

  it("fails the run with the reason and removes nobody", async () => {
    emu.resetCounters(pl.keys.acct);
    const { runId } = await requestRun(pl.ctx, { channel: "staff", mode: "incremental", trigger: "cli" });
    // 150 pages of 10 people: stop the server (SIGKILL, a crash) once a fifth of the read has come through
    // (the bytes slapd sent, as relayed), while the rest is still coming.
    const start = tap.received;
    await until("a fifth of the read", async () => tap.received - start >= oneRead / 5, 30_000, 1);
    crash("slapd");
    const struck = tap.received - start;
    expect(struck).toBeLessThan(oneRead);
    const run = await waitForRun(pl.ctx.runs, runId, { timeoutMs: 120_000, pollMs: 100 });
    service("up", "slapd");
    await waitForSlapd();

    expect(run.status).toBe("failed");
    expect(run.reasons.join(" ")).toMatch(/source read failed/i);
    expect(run.planned).toBe(0);
    expect(emu.counters(pl.keys.acct as string).writes).toBe(0);
    expect(pl.managedUsers()).toHaveLength(N);
    expect(await pl.ctx.deadLetters.count("staff")).toBe(0);

    const next = await pl.run({ mode: "incremental" }, 120_000);
    expect(next.status).toBe("completed");
    expect(next.planned).toBe(0);
    console.log(
      `slapd stopped mid-read (after ${Math.round((100 * struck) / oneRead)} % of the read): run failed ("${run.reasons[0]}"), 0 writes, 0 deletions; next run completed with nothing to change`,
    );
  }, 240_000);
});

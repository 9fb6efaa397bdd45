import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { Pipeline, people } from "../support/pipeline.js";

/**
 * One queue and one budget per AWS account: an account throttled hard must not slow another down.
 * Measured as the healthy account's run time alone, then beside an account whose true rate is tiny.
 */
const HEALTHY_RATE = 40;
const USERS = 300;

async function healthyRun(emu: IamEmulator, withThrottled: boolean) {
  const targets = [
    { name: "healthy", maxRequestsPerSecond: 200 },
    ...(withThrottled ? [{ name: "starved", maxRequestsPerSecond: 200 }] : []),
  ];
  const channels = [
    { name: "ok", target: "healthy", peopleOu: "ok-people" },
    ...(withThrottled ? [{ name: "slow", target: "starved", peopleOu: "slow-people" }] : []),
  ];
  const pl = await new Pipeline({
    emulator: emu,
    label: "pl-targets",
    targets,
    channels,
    provisioning: { concurrency: 8 },
  }).setup({ people: [] });
  await pl.addPeople(people(USERS), "ok-people");
  if (withThrottled) await pl.addPeople(people(USERS, { from: 1000 }), "slow-people");
  emu.setRate(pl.keys.healthy as string, HEALTHY_RATE);
  if (withThrottled) emu.setRate(pl.keys.starved as string, 2);
  await pl.startWorkers();
  try {
    if (withThrottled) {
      // The starved account's run starts first and keeps its queue full for the whole measurement.
      void pl.run({ channel: "slow", mode: "incremental" }, 600_000).catch(() => {});
      await new Promise((r) => setTimeout(r, 500));
    }
    const started = Date.now();
    const run = await pl.run({ channel: "ok", mode: "incremental" }, 120_000);
    const seconds = (Date.now() - started) / 1000;
    // Users applied per second: each costs one accepted CreateUser, so this is the accepted IAM call rate.
    return {
      run,
      seconds,
      callsPerSecond: (run.counts.created ?? 0) / seconds,
      starvedThrottled: withThrottled ? emu.counters(pl.keys.starved as string).throttled : 0,
    };
  } finally {
    await pl.close();
  }
}

describe("two targets, one throttled hard", () => {
  let emu: IamEmulator;
  beforeAll(async () => {
    emu = await startIamEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("the healthy account's throughput is unaffected by the starved one", async () => {
    const alone = await healthyRun(emu, false);
    const beside = await healthyRun(emu, true);
    console.log(
      `healthy account alone: ${alone.seconds.toFixed(2)} s, ${alone.callsPerSecond.toFixed(1)} accepted calls/s; ` +
        `beside a starved account: ${beside.seconds.toFixed(2)} s, ${beside.callsPerSecond.toFixed(1)} accepted calls/s ` +
        `(starved account throttled ${beside.starvedThrottled} times)`,
    );
    expect(alone.run.counts.created).toBe(USERS);
    expect(beside.run.counts.created).toBe(USERS);
    expect(beside.starvedThrottled).toBeGreaterThan(0);
    // Both runs are bound by the healthy account's true rate; allow scheduling noise, not a slowdown.
    expect(beside.callsPerSecond).toBeGreaterThan(alone.callsPerSecond * 0.8);
  }, 180_000);
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { Pipeline, people } from "../support/pipeline.js";

/** Failure handling end to end: transient faults and throttling heal; a bad user is dead-lettered alone and replayed. */
describe("pipeline under failures", () => {
  let emu: IamEmulator;
  const pipelines: Pipeline[] = [];
  beforeAll(async () => {
    emu = await startIamEmulator({ seed: 7 });
  });
  afterEach(() => {
    emu.setFailures({});
  });
  afterAll(async () => {
    for (const p of pipelines) await p.close();
    await emu?.close();
  });

  it("20% of calls failing with 500 or dropped, and a low true rate: every user applied, no dead letter", async () => {
    const staff = people(200, { password: true });
    const pl = await new Pipeline({
      emulator: emu,
      label: "pl-faults",
      targets: [{ name: "acct", maxRequestsPerSecond: 200 }],
      provisioning: { attempts: 8, backoffMs: 100 },
    }).setup({ people: staff, groups: { everyone: staff.map((p) => p.uid) } });
    pipelines.push(pl);
    await pl.startWorkers();
    const key = pl.keys.acct as string;
    emu.setRate(key, 60);
    emu.setFailures({ serviceFailureRate: 0.15, dropRate: 0.05, accessKeyId: key });

    const run = await pl.run({ mode: "full" }, 180_000);
    emu.setFailures({});
    expect(run.status).toBe("completed");
    expect(run.counts.created).toBe(200);
    expect(await pl.ctx.deadLetters.count("staff")).toBe(0);
    const users = pl.managedUsers();
    expect(users).toHaveLength(200);
    expect(users.every((u) => u.groups.includes("everyone") && u.loginProfile !== null)).toBe(true);
    const c = emu.counters(key);
    expect(c.throttled).toBeGreaterThan(0);
    expect(c.failed).toBeGreaterThan(0);
  }, 200_000);

  it("a user whose name IAM cannot take is dead-lettered alone with the reason; fixed and replayed, it is applied and the dead letter is gone", async () => {
    const staff = people(20);
    const bad = { uid: "bad name!", cn: "Bad Name", mail: "bad@example.com" };
    const pl = await new Pipeline({ emulator: emu, label: "pl-invalid" }).setup({ people: [...staff, bad] });
    pipelines.push(pl);
    await pl.startWorkers();

    const run = await pl.run({ mode: "incremental" });
    expect(run.status).toBe("completed_with_failures");
    expect(run.counts).toMatchObject({ created: 20, invalid: 1 });
    const letters = await pl.ctx.deadLetters.list({ channel: "staff" });
    expect(letters).toHaveLength(1);
    const letter = letters[0];
    expect(letter).toMatchObject({
      userName: "bad name!",
      errorKind: "invalid",
      sourceQueue: "snapshot",
      runId: run.id,
    });
    expect(letter?.message).toMatch(/user name/i);
    expect(pl.managedUsers().map((u) => u.userName)).not.toContain("bad name!");

    // The directory is fixed; the operator replays the failed users.
    // A rename in the directory: the entry keeps its entryUUID, so it is the same source user.
    await pl.modify(
      ["dn: uid=bad name!,ou=people,@BASE@", "changetype: modrdn", "newrdn: uid=bad-name", "deleteoldrdn: 1", ""].join(
        "\n",
      ),
    );
    const replay = await pl.run({ mode: "replay", sourceIds: letters.map((l) => l.sourceId) });
    expect(replay.status).toBe("completed");
    expect(replay.counts).toMatchObject({ created: 1 });
    expect(await pl.ctx.deadLetters.count("staff")).toBe(0);
    expect(pl.managedUsers().map((u) => u.userName)).toContain("bad-name");
  });

  it("an IAM failure that cannot succeed (a quota) is dead-lettered with provenance after one attempt", async () => {
    const staff = people(6);
    const pl = await new Pipeline({ emulator: emu, label: "pl-quota" }).setup({ people: staff });
    pipelines.push(pl);
    // The account holds its caller plus 4: two of the six creates hit LimitExceeded, which the plan cannot see.
    pl.account().setUsersQuota(5);
    await pl.startWorkers();
    const run = await pl.run({ mode: "incremental" });
    expect(run.status).toBe("completed_with_failures");
    expect(run.counts).toMatchObject({ created: 4, dead_lettered: 2 });
    const letters = await pl.ctx.deadLetters.list({ channel: "staff" });
    expect(letters).toHaveLength(2);
    for (const l of letters) {
      expect(l).toMatchObject({
        errorKind: "permanent",
        errorCode: "LimitExceeded",
        attempts: 1,
        sourceQueue: "provision-acct",
        runId: run.id,
      });
      expect(l.sourceJobId).toBeTruthy();
    }
  });
});

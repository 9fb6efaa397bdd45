import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { Pipeline, people } from "../support/pipeline.js";

/** adopt: an existing unmanaged IAM user with the mapped name is taken over in a full run, not recreated. */
describe("adopting unmanaged IAM users", () => {
  let emu: IamEmulator;
  const pipelines: Pipeline[] = [];
  beforeAll(async () => {
    emu = await startIamEmulator();
  });
  afterAll(async () => {
    for (const p of pipelines) await p.close();
    await emu?.close();
  });

  async function withExistingUser(adopt: boolean) {
    const pl = await new Pipeline({
      emulator: emu,
      label: "pl-adopt",
      channels: [{ name: "staff", target: "acct", options: { adopt } }],
    }).setup({ people: people(5) });
    pipelines.push(pl);
    pl.account().seedUser({ userName: "user00002", path: "/legacy/", tags: { team: "ops" } });
    await pl.startWorkers();
    return pl;
  }

  it("with adopt, the existing user gets the markers, the mapped path and tags; the rest are created", async () => {
    const pl = await withExistingUser(true);
    const run = await pl.run({ mode: "full" });
    expect(run).toMatchObject({ status: "completed", counts: { created: 4, updated: 1 } });
    const adopted = pl.account().user("user00002");
    const tags = Object.fromEntries((adopted?.tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags["provisioner:managed"]).toBe("staff");
    expect(tags["provisioner:source-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(tags.email).toBe("user00002@example.com");
    expect(tags.team).toBeUndefined();
    expect(adopted?.path).toBe("/provisioner/staff/");
    expect(pl.managedUsers()).toHaveLength(5);
    const again = await pl.run({ mode: "full" });
    expect(again.planned).toBe(0);
  });

  it("without adopt, the unmanaged user is left alone and reported as skipped", async () => {
    const pl = await withExistingUser(false);
    const run = await pl.run({ mode: "full" });
    expect(run).toMatchObject({ status: "completed", counts: { created: 4, skipped: 1 } });
    const untouched = pl.account().user("user00002");
    expect(untouched?.path).toBe("/legacy/");
    expect(untouched?.tags).toEqual([{ Key: "team", Value: "ops" }]);
  });
});

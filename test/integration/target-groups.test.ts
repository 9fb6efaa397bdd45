import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsIamTargetConfig } from "../../src/config/schema.js";
import { PermanentError } from "../../src/errors/PermanentError.js";
import { ProtectedIdentityError } from "../../src/errors/ProtectedIdentityError.js";
import { createAwsIamTarget } from "../../src/targets/aws-iam/index.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { emulatorTargetConfig, freshKey } from "../support/iam-emulator/testing.js";

let emu: IamEmulator;
beforeAll(async () => {
  emu = await startIamEmulator();
});
afterAll(async () => {
  await emu.close();
});

const MANAGED = "/provisioner/hr/";

function config(key: string, protectedUsers: string[] = []): AwsIamTargetConfig {
  return emulatorTargetConfig(emu, key, { protectedUsers });
}

async function setup(protectedUsers: string[] = []) {
  const key = freshKey("groups");
  const account = emu.account(key);
  const target = createAwsIamTarget("aws", config(key, protectedUsers));
  await target.verify();
  emu.resetCounters(key);
  return { key, account, target, counters: () => emu.counters(key) };
}

const groupOf = (account: ReturnType<IamEmulator["account"]>, name: string) =>
  account.snapshot().groups.find((g) => g.groupName.toLowerCase() === name.toLowerCase());

describe("createGroup", () => {
  it("creates under the managed path; again is done (ours); outside it is refused unless adopted", async () => {
    const { account, target } = await setup();
    const first = await target.createGroup("devs", MANAGED);
    expect(first).toEqual({ calls: { CreateGroup: 1 }, created: true });
    expect(groupOf(account, "devs")?.path).toBe(MANAGED);

    const again = await target.createGroup("devs", MANAGED);
    expect(again).toEqual({ calls: { CreateGroup: 1, GetGroup: 1 }, created: false });

    account.seedGroup({ groupName: "legacy", path: "/" });
    const refused = await target.createGroup("legacy", MANAGED).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as PermanentError).code).toBe("NotManaged");
    expect(groupOf(account, "legacy")?.path).toBe("/");

    const adopted = await target.createGroup("legacy", MANAGED, { adopt: true });
    expect(adopted.calls).toEqual({ CreateGroup: 1, GetGroup: 1, UpdateGroup: 1 });
    expect(groupOf(account, "legacy")?.path).toBe(MANAGED);
  });
});

describe("renameGroup", () => {
  it("renames in place, keeping members, and a retry finds it done", async () => {
    const { account, target } = await setup();
    account.seedUser({ userName: "alice" });
    account.seedGroup({ groupName: "devs", path: MANAGED, members: ["alice"] });
    const out = await target.renameGroup("devs", "developers", MANAGED);
    expect(out.calls).toEqual({ UpdateGroup: 1 });
    expect(groupOf(account, "devs")).toBeUndefined();
    expect(groupOf(account, "developers")?.members).toEqual(["alice"]);

    const again = await target.renameGroup("devs", "developers", MANAGED);
    expect(again.calls).toEqual({ UpdateGroup: 1, GetGroup: 1 });
  });
});

describe("deleteGroup", () => {
  it("removes members and, only when allowed, policies; refusal leaves the group untouched", async () => {
    const { account, target } = await setup();
    account.seedUser({ userName: "alice" });
    account.seedUser({ userName: "bob" });
    account.seedGroup({
      groupName: "devs",
      path: MANAGED,
      members: ["alice", "bob"],
      inlinePolicies: ["inline-a"],
      attachedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    });
    const refused = await target
      .deleteGroup("devs", { managedPath: MANAGED, deletePolicies: false })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as PermanentError).message).toMatch(/inline-a, ReadOnlyAccess/);
    expect(groupOf(account, "devs")?.members.sort()).toEqual(["alice", "bob"]);

    const out = await target.deleteGroup("devs", { managedPath: MANAGED, deletePolicies: true });
    expect(out.calls).toEqual({
      GetGroup: 1,
      ListGroupPolicies: 1,
      ListAttachedGroupPolicies: 1,
      RemoveUserFromGroup: 2,
      DeleteGroupPolicy: 1,
      DetachGroupPolicy: 1,
      DeleteGroup: 1,
    });
    expect(groupOf(account, "devs")).toBeUndefined();
    expect(account.user("alice")).toBeDefined();

    const again = await target.deleteGroup("devs", { managedPath: MANAGED, deletePolicies: true });
    expect(again.calls).toEqual({ GetGroup: 1 });
  });

  it("refuses a group outside the managed path, and one holding a protected user", async () => {
    const { account, target, counters } = await setup(["boss"]);
    account.seedGroup({ groupName: "admins", path: "/" });
    await expect(target.deleteGroup("admins", { managedPath: MANAGED, deletePolicies: true })).rejects.toThrow(
      /outside the managed path/,
    );

    account.seedUser({ userName: "Boss" });
    account.seedGroup({ groupName: "execs", path: MANAGED, members: ["Boss"] });
    await expect(target.deleteGroup("execs", { managedPath: MANAGED, deletePolicies: true })).rejects.toBeInstanceOf(
      ProtectedIdentityError,
    );
    expect(counters().writes).toBe(0);
    expect(groupOf(account, "execs")?.members).toEqual(["Boss"]);
  });

  it("follows GetGroup pages to remove every member", async () => {
    const { account, target } = await setup();
    const names = Array.from({ length: 150 }, (_, i) => `member${i}`);
    for (const n of names) account.seedUser({ userName: n });
    account.seedGroup({ groupName: "big", path: MANAGED, members: names });
    const out = await target.deleteGroup("big", { managedPath: MANAGED, deletePolicies: false });
    expect(out.calls.GetGroup).toBe(2);
    expect(out.calls.RemoveUserFromGroup).toBe(150);
    expect(groupOf(account, "big")).toBeUndefined();
  });
});

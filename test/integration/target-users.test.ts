import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsIamTargetConfig } from "../../src/config/schema.js";
import { PermanentError } from "../../src/errors/PermanentError.js";
import { ProtectedIdentityError } from "../../src/errors/ProtectedIdentityError.js";
import { TransientError } from "../../src/errors/TransientError.js";
import { createAwsIamTarget } from "../../src/targets/aws-iam/index.js";
import { DISABLED_TAG, MARKER_TAG, SOURCE_ID_TAG, type UserDelta } from "../../src/types.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { emulatorTargetConfig, freshKey } from "../support/iam-emulator/testing.js";

/** The target against the IAM emulator through the real SDK over HTTP; call counts come from the emulator. */

let emu: IamEmulator;
beforeAll(async () => {
  emu = await startIamEmulator();
});
afterAll(async () => {
  await emu.close();
});

const CHANNEL = "hr";
const PASSWORD = "Corr3ct-Horse!";

function config(key: string, protectedUsers: string[] = []): AwsIamTargetConfig {
  return emulatorTargetConfig(emu, key, { protectedUsers });
}

/** A fresh account with a verified target and zeroed counters. */
async function setup(protectedUsers: string[] = [], deps: { transientRetries?: number } = {}) {
  const key = freshKey("users");
  const account = emu.account(key);
  const target = createAwsIamTarget("aws", config(key, protectedUsers), deps);
  await target.verify();
  emu.resetCounters(key);
  return { key, account, target, counters: () => emu.counters(key) };
}

function markers(sourceId: string) {
  return { [MARKER_TAG]: CHANNEL, [SOURCE_ID_TAG]: sourceId };
}

function tagsOf(tags: { Key: string; Value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));
}

function createDelta(over: Partial<UserDelta> = {}): UserDelta {
  return {
    kind: "create",
    channel: CHANNEL,
    sourceId: "src-alice",
    userName: "alice",
    path: "/provisioner/hr/",
    tagsSet: { email: "alice@example.com", team: "Ops" },
    loginProfile: { action: "create", password: PASSWORD, passwordResetRequired: true },
    groupsAdd: ["devs", "ops"],
    ...over,
  };
}

describe("create", () => {
  it("a new user with a login profile and k groups costs exactly 2 + k calls", async () => {
    const { account, target, counters } = await setup();
    account.seedGroup({ groupName: "devs" });
    account.seedGroup({ groupName: "ops" });
    account.seedGroup({ groupName: "sec" });
    const out = await target.applyUser(createDelta({ groupsAdd: ["devs", "ops", "sec"] }));

    expect(counters().total).toBe(5);
    expect(counters().byAction).toMatchObject({
      CreateUser: { calls: 1 },
      CreateLoginProfile: { calls: 1 },
      AddUserToGroup: { calls: 3 },
    });
    expect(out.calls).toEqual({ CreateUser: 1, CreateLoginProfile: 1, AddUserToGroup: 3 });
    expect(out.alreadyExisted).toBeUndefined();
    expect(out.current).toEqual({
      userName: "alice",
      path: "/provisioner/hr/",
      tags: { email: "alice@example.com", team: "Ops" },
      groups: ["devs", "ops", "sec"],
      hasLoginProfile: true,
      enabled: true,
    });

    const u = account.user("alice");
    expect(u?.path).toBe("/provisioner/hr/");
    expect(tagsOf(u?.tags)).toEqual({ email: "alice@example.com", team: "Ops", ...markers("src-alice") });
    expect(u?.groups.sort()).toEqual(["devs", "ops", "sec"]);
    expect(u?.loginProfile?.passwordResetRequired).toBe(true);
  });

  it("without a login profile or groups it is one call", async () => {
    const { target, counters } = await setup();
    const { loginProfile: _lp, ...rest } = createDelta({ groupsAdd: [] });
    const out = await target.applyUser(rest);
    expect(counters().total).toBe(1);
    expect(out.current?.hasLoginProfile).toBe(false);
  });

  it("heals a CreateUser that applied but answered 500 within the call's own transient retries", async () => {
    const { key, account, target } = await setup();
    emu.setFailures({ failAfterApplyRate: 1, actions: ["CreateUser"], accessKeyId: key });
    const out = await target.applyUser(createDelta({ groupsAdd: [] }));
    emu.setFailures({});
    // The retry found the user it had just made (EntityAlreadyExists), checked the marker, and went on.
    expect(out.alreadyExisted).toBe(true);
    expect(account.user("alice")?.loginProfile?.passwordResetRequired).toBe(true);
  });

  it("finishes cleanly on retry after CreateUser applied but answered 500", async () => {
    // No call-level retries: the job-level retry (a second applyUser) must finish the half-made user.
    const { key, account, target, counters } = await setup([], { transientRetries: 0 });
    account.seedGroup({ groupName: "devs" });
    account.seedGroup({ groupName: "ops" });
    emu.setFailures({ failAfterApplyRate: 1, actions: ["CreateUser"], accessKeyId: key });
    const first = await target.applyUser(createDelta()).catch((e: unknown) => e);
    emu.setFailures({});
    expect(first).toBeInstanceOf(TransientError);
    expect((first as TransientError).code).toBe("ServiceFailure");
    expect(account.user("alice")?.loginProfile).toBeNull();
    emu.resetCounters(key);

    const out = await target.applyUser(createDelta());
    expect(out.alreadyExisted).toBe(true);
    // CreateUser (EntityAlreadyExists) + GetUser + profile + 2 groups; tags were complete, so no TagUser.
    expect(out.calls).toEqual({ CreateUser: 1, GetUser: 1, CreateLoginProfile: 1, AddUserToGroup: 2 });
    expect(counters().total).toBe(5);
    const u = account.user("alice");
    expect(u?.loginProfile?.passwordResetRequired).toBe(true);
    expect(u?.groups.sort()).toEqual(["devs", "ops"]);
  });

  it("finishes a half-made user of ours: only missing tags, existing profile is done, groups re-added", async () => {
    const { account, target } = await setup();
    account.seedUser({
      userName: "alice",
      path: "/provisioner/hr/",
      tags: { ...markers("src-alice"), email: "alice@example.com" },
      groups: ["devs"],
      loginProfile: { password: PASSWORD, passwordResetRequired: true },
    });
    account.seedGroup({ groupName: "ops" });
    const out = await target.applyUser(createDelta());
    expect(out.calls).toEqual({ CreateUser: 1, GetUser: 1, TagUser: 1, CreateLoginProfile: 1, AddUserToGroup: 2 });
    expect(tagsOf(account.user("alice")?.tags)).toEqual({
      email: "alice@example.com",
      team: "Ops",
      ...markers("src-alice"),
    });
    expect(account.user("alice")?.groups.sort()).toEqual(["devs", "ops"]);
  });

  it("refuses an existing user that is not managed, and adopts it when asked", async () => {
    const { account, target } = await setup();
    account.seedUser({ userName: "alice", tags: { owner: "someone" }, groups: ["legacy"] });
    account.seedGroup({ groupName: "devs" });
    account.seedGroup({ groupName: "ops" });
    const refused = await target.applyUser(createDelta()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as PermanentError).code).toBe("NotManaged");
    expect((refused as PermanentError).message).toMatch(/not managed/);
    expect(tagsOf(account.user("alice")?.tags)).toEqual({ owner: "someone" });

    const out = await target.applyUser(createDelta({ adopt: true }));
    expect(out.alreadyExisted).toBe(true);
    const u = account.user("alice");
    expect(tagsOf(u?.tags)).toMatchObject(markers("src-alice"));
    expect(u?.path).toBe("/provisioner/hr/");
    expect(out.current?.groups.sort()).toEqual(["devs", "legacy", "ops"]);
    expect(out.current?.tags).toEqual({ owner: "someone", email: "alice@example.com", team: "Ops" });
  });

  it("never adopts a user another channel manages", async () => {
    const { account, target } = await setup();
    account.seedUser({ userName: "alice", tags: { [MARKER_TAG]: "other", [SOURCE_ID_TAG]: "x" } });
    await expect(target.applyUser(createDelta({ adopt: true }))).rejects.toThrow(/managed by channel "other"/);
  });
});

describe("update", () => {
  const before = {
    userName: "bob",
    path: "/provisioner/hr/",
    tags: { team: "Ops", floor: "3" },
    groups: ["devs", "ops"],
    hasLoginProfile: true,
    enabled: true,
  };

  async function seeded() {
    const ctx = await setup();
    ctx.account.seedUser({
      userName: "bob",
      path: "/provisioner/hr/",
      tags: { ...markers("src-bob"), team: "Ops", floor: "3" },
      groups: ["devs", "ops"],
      loginProfile: { password: PASSWORD, passwordResetRequired: true },
    });
    ctx.account.seedGroup({ groupName: "sec" });
    emu.resetCounters(ctx.key);
    return ctx;
  }

  it("an empty update costs 0 calls", async () => {
    const { target, counters } = await seeded();
    const out = await target.applyUser(
      { kind: "update", channel: CHANNEL, sourceId: "src-bob", userName: "bob" },
      before,
    );
    expect(counters().total).toBe(0);
    expect(out.calls).toEqual({});
    expect(out.current).toEqual(before);
  });

  it("applies each part with one call and computes current without reading", async () => {
    const { account, target, counters } = await seeded();
    const out = await target.applyUser(
      {
        kind: "update",
        channel: CHANNEL,
        sourceId: "src-bob",
        userName: "bob",
        path: "/provisioner/hr/eng/",
        tagsSet: { team: "Eng", title: "Dev" },
        tagsRemove: ["floor", MARKER_TAG],
        loginProfile: { action: "update", password: "N3w-Passw0rd!", passwordResetRequired: false },
        groupsAdd: ["sec"],
        groupsRemove: ["ops"],
      },
      before,
    );
    expect(out.calls).toEqual({
      UpdateUser: 1,
      TagUser: 1,
      UntagUser: 1,
      UpdateLoginProfile: 1,
      RemoveUserFromGroup: 1,
      AddUserToGroup: 1,
    });
    expect(counters().total).toBe(6);
    expect(out.current).toEqual({
      userName: "bob",
      path: "/provisioner/hr/eng/",
      tags: { team: "Eng", title: "Dev" },
      groups: ["devs", "sec"],
      hasLoginProfile: true,
      enabled: true,
    });
    const u = account.user("bob");
    expect(u?.path).toBe("/provisioner/hr/eng/");
    // The marker survives a removal request: marker tags are never removed.
    expect(tagsOf(u?.tags)).toEqual({ ...markers("src-bob"), team: "Eng", title: "Dev" });
    expect(u?.groups.sort()).toEqual(["devs", "sec"]);
    expect(u?.loginProfile).toEqual({ password: "N3w-Passw0rd!", passwordResetRequired: false });
  });

  it("renames in place, and a retried rename finds it done", async () => {
    const { account, target } = await seeded();
    const delta: UserDelta = {
      kind: "update",
      channel: CHANNEL,
      sourceId: "src-bob",
      userName: "robert",
      fromUserName: "bob",
    };
    const out = await target.applyUser(delta, before);
    expect(out.calls).toEqual({ UpdateUser: 1 });
    expect(out.current?.userName).toBe("robert");
    expect(account.user("bob")).toBeUndefined();
    expect(account.user("robert")?.groups.sort()).toEqual(["devs", "ops"]);

    const again = await target.applyUser(delta, before);
    expect(again.calls).toEqual({ UpdateUser: 1, GetUser: 1 });
    expect(account.user("robert")).toBeDefined();
  });

  it("deletes and creates login profiles; deleting a missing one is done", async () => {
    const { account, target } = await seeded();
    const base = { kind: "update", channel: CHANNEL, sourceId: "src-bob", userName: "bob" } as const;
    const del = await target.applyUser({ ...base, loginProfile: { action: "delete" } }, before);
    expect(del.current?.hasLoginProfile).toBe(false);
    expect(account.user("bob")?.loginProfile).toBeNull();
    await target.applyUser({ ...base, loginProfile: { action: "delete" } }, before);
    await target.applyUser(
      { ...base, loginProfile: { action: "create", password: PASSWORD, passwordResetRequired: true } },
      before,
    );
    expect(account.user("bob")?.loginProfile?.passwordResetRequired).toBe(true);
  });

  it("without `before` reads the user back to report what IAM holds", async () => {
    const { target } = await seeded();
    const out = await target.applyUser({
      kind: "update",
      channel: CHANNEL,
      sourceId: "src-bob",
      userName: "bob",
      tagsSet: { team: "Eng" },
    });
    expect(out.calls).toEqual({ TagUser: 1, GetUser: 1, ListGroupsForUser: 1 });
    expect(out.current).toEqual({
      userName: "bob",
      path: "/provisioner/hr/",
      tags: { team: "Eng", floor: "3" },
      groups: ["devs", "ops"],
      enabled: true,
    });
  });
});

describe("disable and enable", () => {
  it("round trip: profile gone and keys off, then back; a key disabled by someone else stays off", async () => {
    const { account, target } = await setup();
    account.seedUser({
      userName: "carol",
      tags: { ...markers("src-carol"), team: "Ops" },
      loginProfile: { password: PASSWORD },
      accessKeys: [{ status: "Active" }, { status: "Inactive" }],
    });
    const [active, inactive] = account.user("carol")?.accessKeys ?? [];
    const before = {
      userName: "carol",
      path: "/",
      tags: { team: "Ops" },
      groups: [],
      hasLoginProfile: true,
      enabled: true,
    };
    const base = { channel: CHANNEL, sourceId: "src-carol", userName: "carol" };

    const off = await target.applyUser({ kind: "disable", ...base }, before);
    expect(off.calls).toEqual({ ListAccessKeys: 1, TagUser: 1, UpdateAccessKey: 1, DeleteLoginProfile: 1 });
    expect(off.current).toEqual({ ...before, hasLoginProfile: false, enabled: false });
    let u = account.user("carol");
    expect(u?.loginProfile).toBeNull();
    expect(u?.accessKeys.map((k) => k.status)).toEqual(["Inactive", "Inactive"]);
    expect(tagsOf(u?.tags)[DISABLED_TAG]).toMatch(/^\d{4}-\d\d-\d\dT/);

    // A retried disable changes nothing more and keeps the record of which key was ours.
    await target.applyUser({ kind: "disable", ...base }, before);

    const on = await target.applyUser(
      { kind: "enable", ...base, loginProfile: { action: "create", password: PASSWORD, passwordResetRequired: true } },
      off.current ?? undefined,
    );
    expect(on.calls).toEqual({ ListUserTags: 1, UpdateAccessKey: 1, CreateLoginProfile: 1, UntagUser: 1 });
    expect(on.current).toEqual({ ...before, enabled: true, hasLoginProfile: true });
    u = account.user("carol");
    expect(u?.loginProfile?.passwordResetRequired).toBe(true);
    expect(u?.accessKeys).toEqual([
      { accessKeyId: active?.accessKeyId, status: "Active" },
      { accessKeyId: inactive?.accessKeyId, status: "Inactive" },
    ]);
    expect(tagsOf(u?.tags)).toEqual({ ...markers("src-carol"), team: "Ops" });
  });
  it("a disable that failed after deactivating a key still lets enable bring that key back", async () => {
    const { key, account, target } = await setup();
    account.seedUser({ userName: "frank", tags: markers("src-frank"), loginProfile: true, accessKeys: 2 });
    const base = { channel: CHANNEL, sourceId: "src-frank", userName: "frank" };
    emu.setFailures({ failAfterApplyRate: 1, actions: ["UpdateAccessKey"], accessKeyId: key });
    await expect(target.applyUser({ kind: "disable", ...base })).rejects.toBeInstanceOf(TransientError);
    emu.setFailures({});
    expect(
      account
        .user("frank")
        ?.accessKeys.map((k) => k.status)
        .sort(),
    ).toEqual(["Active", "Inactive"]);

    const off = await target.applyUser({ kind: "disable", ...base });
    expect(off.current?.enabled).toBe(false);
    expect(account.user("frank")?.accessKeys.map((k) => k.status)).toEqual(["Inactive", "Inactive"]);
    expect(account.user("frank")?.loginProfile).toBeNull();

    await target.applyUser({ kind: "enable", ...base });
    expect(account.user("frank")?.accessKeys.map((k) => k.status)).toEqual(["Active", "Active"]);
    expect(Object.keys(tagsOf(account.user("frank")?.tags)).filter((k) => k.startsWith(DISABLED_TAG))).toEqual([]);
  });
});

describe("delete", () => {
  it("removes every kind of attachment, then the user; a retry is one call", async () => {
    const { account, target } = await setup();
    account.seedUser({
      userName: "dave",
      tags: markers("src-dave"),
      groups: ["g1", "g2"],
      loginProfile: true,
      accessKeys: 2,
      signingCertificates: 2,
      sshKeys: 2,
      serviceCredentials: 1,
      mfaDevices: 1,
      inlinePolicies: ["inline-a", "inline-b"],
      attachedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
      permissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess",
    });
    const out = await target.applyUser({ kind: "delete", channel: CHANNEL, sourceId: "src-dave", userName: "dave" });
    expect(out.current).toBeNull();
    expect(account.user("dave")).toBeUndefined();
    expect(out.calls).toMatchObject({
      GetUser: 1,
      DeleteLoginProfile: 1,
      DeleteAccessKey: 2,
      DeleteSigningCertificate: 2,
      DeleteSSHPublicKey: 2,
      DeleteServiceSpecificCredential: 1,
      DeactivateMFADevice: 1,
      DeleteUserPolicy: 2,
      DetachUserPolicy: 1,
      RemoveUserFromGroup: 2,
      DeleteUser: 1,
    });

    const again = await target.applyUser({ kind: "delete", channel: CHANNEL, sourceId: "src-dave", userName: "dave" });
    expect(again.calls).toEqual({ GetUser: 1 });
  });

  it("refuses a user without our marker, after one read and no write", async () => {
    const { account, target, counters } = await setup();
    account.seedUser({ userName: "erin", loginProfile: true });
    const err = await target
      .applyUser({ kind: "delete", channel: CHANNEL, sourceId: "src-erin", userName: "erin" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(counters().total).toBe(1);
    expect(counters().writes).toBe(0);
    expect(account.user("erin")?.loginProfile).not.toBeNull();
  });
});

describe("protected identities", () => {
  it("refuses the caller and protectedUsers (ignoring case) for every kind, with zero calls", async () => {
    const { account, target, counters } = await setup(["Boss"]);
    const caller = account.callerUserName;
    account.seedUser({ userName: "boss", tags: markers("src-boss") });
    const kinds: UserDelta["kind"][] = ["create", "update", "disable", "enable", "delete"];
    for (const kind of kinds) {
      for (const name of [caller, caller.toUpperCase(), "boss", "BOSS"]) {
        const err = await target
          .applyUser({ kind, channel: CHANNEL, sourceId: "s", userName: name })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ProtectedIdentityError);
      }
      const renameFrom = await target
        .applyUser({ kind, channel: CHANNEL, sourceId: "s", userName: "innocent", fromUserName: "boss" })
        .catch((e: unknown) => e);
      expect(renameFrom).toBeInstanceOf(ProtectedIdentityError);
    }
    expect(counters().total).toBe(0);
    expect(account.user("boss")).toBeDefined();
  });

  it("verify names the caller and the account", async () => {
    const { account, target } = await setup();
    const me = await target.verify();
    expect(me.userName).toBe(account.callerUserName);
    expect(me.accountId).toBe(account.accountId);
    expect(me.arn).toContain(account.callerUserName);
  });
});

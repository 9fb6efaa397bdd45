import { describe, expect, it } from "vitest";
import { planRun } from "../../../src/sync/plan.js";
import { MARKER_TAG, SOURCE_ID_TAG } from "../../../src/types.js";
import { FakeIam } from "./fake-iam.js";
import { KEY, makeChannel, person, source } from "./helpers.js";

const kinds = (r: { plan: { users: { kind: string; userName: string }[] } }) =>
  r.plan.users.map((u) => `${u.kind}:${u.userName}`);

async function synced(channel = makeChannel(), people = [person("1", "amy", { groups: ["dev"] }), person("2", "bob")]) {
  const iam = new FakeIam();
  iam.apply(await iam.plan({ channel, mode: "incremental", source: source(people), secretKey: KEY }));
  return iam;
}

describe("planRun: change kinds", () => {
  it("creates new people and their groups, then has nothing to do", async () => {
    const channel = makeChannel();
    const iam = new FakeIam();
    const first = await iam.plan({
      channel,
      mode: "incremental",
      source: source([person("1", "amy", { groups: ["dev"] })]),
    });
    expect(first.plan.status).toBe("ready");
    expect(kinds(first)).toEqual(["create:amy"]);
    expect(first.plan.groups).toEqual([
      { kind: "create", groupName: "dev", path: "/provisioner/eng/", sourceGroupId: "cn=dev,ou=groups" },
    ]);
    expect(first.desired.get("1")?.userName).toBe("amy");
    iam.apply(first);
    const again = await iam.plan({
      channel,
      mode: "incremental",
      source: source([person("1", "amy", { groups: ["dev"] })]),
    });
    expect(again.plan.users).toEqual([]);
    expect(again.plan.groups).toEqual([]);
    expect(again.plan.counts.noop).toBe(1);
  });

  it("updates with the fields that change, renaming in place", async () => {
    const iam = await synced();
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "incremental",
      source: source([person("1", "amy2", { groups: ["ops"], mail: "new@x.com" }), person("2", "bob")]),
    });
    expect(r.plan.users).toEqual([
      { kind: "update", sourceId: "1", userName: "amy2", fromUserName: "amy", fields: ["userName", "tags", "groups"] },
    ]);
  });

  it("disables leavers by default, deletes them with removeAction delete", async () => {
    const iam = await synced();
    const gone = source([person("1", "amy", { groups: ["dev"] })]);
    expect(kinds(await iam.plan({ channel: makeChannel(), mode: "incremental", source: gone }))).toEqual([
      "disable:bob",
    ]);
    const del = makeChannel({ options: { removeAction: "delete" } });
    expect(kinds(await iam.plan({ channel: del, mode: "incremental", source: gone }))).toEqual(["delete:bob"]);
  });

  it("gives a person disabled in the source the remove action, or keeps them disabled with provisionDisabled", async () => {
    const iam = await synced();
    const people = source([person("1", "amy", { groups: ["dev"] }), person("2", "bob", { disabled: true })]);
    expect(
      kinds(
        await iam.plan({
          channel: makeChannel({ options: { removeAction: "delete" } }),
          mode: "incremental",
          source: people,
        }),
      ),
    ).toEqual(["delete:bob"]);
    const keep = makeChannel({ options: { provisionDisabled: true, removeAction: "delete" } });
    const r = await iam.plan({ channel: keep, mode: "incremental", source: people });
    expect(kinds(r)).toEqual(["disable:bob"]);
    iam.apply(r);
    expect((await iam.plan({ channel: keep, mode: "incremental", source: people })).plan.users).toEqual([]);
    const back = await iam.plan({
      channel: keep,
      mode: "incremental",
      source: source([person("1", "amy", { groups: ["dev"] }), person("2", "bob")]),
    });
    expect(back.plan.users).toEqual([{ kind: "enable", sourceId: "2", userName: "bob", fields: [] }]);
  });

  it("renames a group in place and deletes one no longer mapped", async () => {
    const iam = await synced(makeChannel(), [
      person("1", "amy", { groups: ["dev"] }),
      person("2", "bob", { groups: ["qa"] }),
    ]);
    const renamed = person("1", "amy", { groups: [] });
    renamed.groups = [{ id: "cn=dev,ou=groups", name: "developers" }];
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "incremental",
      source: source([renamed, person("2", "bob")]),
    });
    expect(r.plan.groups).toEqual([
      {
        kind: "rename",
        groupName: "developers",
        fromGroupName: "dev",
        path: "/provisioner/eng/",
        sourceGroupId: "cn=dev,ou=groups",
      },
      { kind: "delete", groupName: "qa", path: "/provisioner/eng/" },
    ]);
    expect(r.plan.groups.some((g) => g.kind === "create")).toBe(false);
  });

  it("replays named users only, listing no-ops and removing nobody else", async () => {
    const iam = await synced();
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "replay",
      replayIds: ["1"],
      source: source([person("1", "amy", { groups: ["dev"] })]),
    });
    expect(r.plan.users).toEqual([{ kind: "noop", sourceId: "1", userName: "amy" }]);
    const gone = await iam.plan({
      channel: makeChannel(),
      mode: "replay",
      replayIds: ["2"],
      source: source([person("1", "amy")]),
    });
    expect(kinds(gone)).toEqual(["disable:bob"]);
    expect(gone.plan.groups).toEqual([]);
  });
});

describe("planRun: options", () => {
  it.each([
    ["create", [person("1", "amy", { groups: ["dev"] }), person("2", "bob"), person("3", "cid")], "create"],
    ["update", [person("1", "amy", { groups: ["dev"], mail: "z@z" }), person("2", "bob")], "update"],
    ["remove", [person("1", "amy", { groups: ["dev"] })], "disable"],
  ] as const)("a cleared %s toggle reports the change as skipped", async (toggle, people, kind) => {
    const iam = await synced();
    const r = await iam.plan({
      channel: makeChannel({ options: { [toggle]: false } }),
      mode: "incremental",
      source: source([...people]),
    });
    expect(r.plan.users).toEqual([]);
    expect(r.plan.skipped).toEqual([
      expect.objectContaining({ kind, reason: expect.stringContaining(`options.${toggle} is off`) }),
    ]);
    expect(r.deltas.size).toBe(0);
  });

  it("plans no memberships or groups with groups off", async () => {
    const channel = makeChannel({ options: { groups: false } });
    const r = await planRun({
      channel,
      mode: "incremental",
      source: source([person("1", "amy", { groups: ["dev"] })]),
      applied: new Map(),
    });
    expect(r.plan.groups).toEqual([]);
    expect(r.deltas.get("1")?.groupsAdd).toBeUndefined();
  });
});

describe("planRun: checks", () => {
  it("reports both users of a case-insensitive name collision as invalid and sends neither", async () => {
    const r = await planRun({
      channel: makeChannel(),
      mode: "incremental",
      source: source([person("1", "Amy"), person("2", "amy"), person("3", "cid")]),
      applied: new Map(),
    });
    expect(r.plan.invalid.map((i) => i.sourceId).sort()).toEqual(["1", "2"]);
    expect(kinds(r)).toEqual(["create:cid"]);
  });

  it("reports an invalid user with reasons and goes on with the others, never removing them", async () => {
    const iam = await synced();
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "incremental",
      source: source([person("1", "bad name"), person("2", "bob")]),
    });
    expect(r.plan.invalid).toEqual([
      { sourceId: "1", userName: "bad name", reasons: [expect.stringMatching(/may contain only/)] },
    ]);
    expect(r.plan.users).toEqual([]);
  });

  it("makes creates over maxUsers invalid", async () => {
    const r = await planRun({
      channel: makeChannel(),
      mode: "incremental",
      source: source([person("1", "a"), person("2", "b"), person("3", "c")]),
      applied: new Map(),
      maxUsers: 2,
    });
    expect(r.plan.users).toHaveLength(2);
    expect(r.plan.invalid).toEqual([
      expect.objectContaining({ reasons: [expect.stringMatching(/at most 2 IAM users/)] }),
    ]);
  });

  it("counts every user the account holds, the caller and unmanaged ones too, against maxUsers", async () => {
    const r = await planRun({
      channel: makeChannel(),
      mode: "incremental",
      source: source([person("1", "a"), person("2", "b"), person("3", "c")]),
      applied: new Map(),
      maxUsers: 4,
      accountUsers: 2,
    });
    expect(r.plan.users).toHaveLength(2);
    expect(r.plan.invalid).toHaveLength(1);
  });

  it("holds back a name still held by another user being renamed away", async () => {
    const iam = await synced();
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "incremental",
      source: source([person("1", "amy.x", { groups: ["dev"] }), person("2", "bob"), person("3", "amy")]),
    });
    expect(kinds(r)).toEqual(["update:amy.x"]);
    expect(r.plan.skipped).toEqual([
      expect.objectContaining({ sourceId: "3", reason: expect.stringMatching(/still held by source user 1/) }),
    ]);
  });

  it("never changes a protected identity, whatever the source says", async () => {
    const iam = await synced();
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "incremental",
      source: source([person("1", "amy", { groups: ["ops"] }), person("3", "Admin")]),
      protectedUsers: ["admin", "BOB", "AMY"],
    });
    expect(r.plan.users).toEqual([]);
    expect(r.plan.skipped.map((s) => `${s.kind}:${s.userName}`).sort()).toEqual([
      "create:Admin",
      "disable:bob",
      "update:amy",
    ]);
    expect(r.plan.skipped.every((s) => /protected/.test(s.reason))).toBe(true);
  });

  it("fails without secrets.key when a password is mapped", async () => {
    const channel = makeChannel({
      mapping: { userName: "{{ uid }}", tags: {}, loginProfile: { password: "{{ pw }}", passwordResetRequired: true } },
    });
    const r = await planRun({
      channel,
      mode: "incremental",
      source: source([person("1", "a", { attrs: { pw: "Xy-12345678" } })]),
      applied: new Map(),
    });
    expect(r.plan.status).toBe("failed");
    expect(r.plan.reasons.join()).toMatch(/secrets\.key/);
  });

  it("sees a changed source password as a login profile update", async () => {
    const channel = makeChannel({
      mapping: { userName: "{{ uid }}", tags: {}, loginProfile: { password: "{{ pw }}", passwordResetRequired: true } },
    });
    const iam = new FakeIam();
    const pw = (p: string) => source([person("1", "amy", { attrs: { pw: p } })]);
    iam.apply(await iam.plan({ channel, mode: "incremental", source: pw("Xy-12345678"), secretKey: KEY }));
    expect(
      (await iam.plan({ channel, mode: "incremental", source: pw("Xy-12345678"), secretKey: KEY })).plan.users,
    ).toEqual([]);
    const r = await iam.plan({ channel, mode: "incremental", source: pw("Zz-87654321"), secretKey: KEY });
    expect(r.plan.users).toEqual([
      { kind: "update", sourceId: "1", userName: "amy", fromUserName: "amy", fields: ["loginProfile"] },
    ]);
    expect(r.deltas.get("1")?.loginProfile).toEqual({
      action: "update",
      password: "Zz-87654321",
      passwordResetRequired: true,
    });
  });
});

describe("planRun: full runs", () => {
  it("repairs a managed user changed or deleted by hand", async () => {
    const iam = await synced();
    const amy = iam.users.get("amy")!;
    amy.tags.email = "tampered";
    amy.groups = [];
    iam.users.delete("bob");
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "full",
      source: source([person("1", "amy", { groups: ["dev"] }), person("2", "bob")]),
    });
    expect(r.plan.users).toEqual([
      { kind: "create", sourceId: "2", userName: "bob" },
      { kind: "update", sourceId: "1", userName: "amy", fromUserName: "amy", fields: ["tags", "groups"] },
    ]);
    expect(r.plan.counts.repair).toBe(2);
  });

  it("recreates a managed group deleted by hand and deletes a stray managed one", async () => {
    const iam = await synced();
    iam.groups.delete("dev");
    iam.groups.set("stray", { groupName: "stray", path: "/provisioner/eng/" });
    iam.groups.set("admins", { groupName: "admins", path: "/" });
    const r = await iam.plan({
      channel: makeChannel(),
      mode: "full",
      source: source([person("1", "amy", { groups: ["dev"] }), person("2", "bob")]),
    });
    expect(r.plan.groups.map((g) => `${g.kind}:${g.groupName}`)).toEqual(["create:dev", "delete:stray"]);
  });

  it("leaves unmanaged users alone, or adopts one by name with adopt", async () => {
    const iam = new FakeIam();
    iam.seed({ userName: "amy", tags: { dept: "x" }, groups: ["Admins"] });
    iam.seed({ userName: "legacy" });
    const people = source([person("1", "amy")]);
    const r = await iam.plan({ channel: makeChannel(), mode: "full", source: people });
    expect(r.plan.users).toEqual([]);
    expect(r.plan.skipped).toEqual([
      expect.objectContaining({ kind: "create", reason: expect.stringMatching(/unmanaged IAM user amy exists/) }),
    ]);

    const adopt = makeChannel({ options: { adopt: true } });
    const a = await iam.plan({ channel: adopt, mode: "full", source: people });
    expect(a.plan.users).toEqual([
      { kind: "update", sourceId: "1", userName: "amy", fromUserName: "amy", fields: ["path", "tags"] },
    ]);
    expect(a.deltas.get("1")?.tagsSet).toMatchObject({
      [MARKER_TAG]: "eng",
      [SOURCE_ID_TAG]: "1",
      email: "amy@example.com",
    });
    expect(a.deltas.get("1")?.groupsRemove).toBeUndefined();
    expect(a.plan.counts.adopt).toBe(1);
    iam.apply(a);
    expect((await iam.plan({ channel: adopt, mode: "full", source: people })).plan.users).toEqual([]);
    expect(iam.touched).not.toContain("legacy");
  });

  it("never touches a user managed by another channel", async () => {
    const iam = new FakeIam();
    iam.seed({ userName: "amy", tags: { [MARKER_TAG]: "other", [SOURCE_ID_TAG]: "9" } });
    const r = await iam.plan({
      channel: makeChannel({ options: { adopt: true } }),
      mode: "full",
      source: source([]),
      allowDeletions: true,
    });
    expect(r.plan.users).toEqual([]);
    const s = await iam.plan({
      channel: makeChannel({ options: { adopt: true } }),
      mode: "full",
      source: source([person("1", "amy")]),
    });
    expect(s.plan.skipped[0]?.reason).toMatch(/managed by channel other/);
  });

  it("rebuilds applied state from the users' tags after Redis lost everything", async () => {
    const iam = await synced();
    iam.applied.clear();
    iam.groupState = new Map();
    const people = source([person("1", "amy", { groups: ["dev"] }), person("2", "bob")]);
    const full = await iam.plan({ channel: makeChannel(), mode: "full", source: people });
    expect(full.plan.users).toEqual([]);
    expect(full.refreshApplied.map((a) => a.sourceId).sort()).toEqual(["1", "2"]);
    iam.apply(full);
    const inc = await iam.plan({ channel: makeChannel(), mode: "incremental", source: people });
    expect(inc.plan.users).toEqual([]);
    expect(inc.plan.groups).toEqual([]);
  });
});

describe("planRun: memos", () => {
  it("skips people whose memo matches and maps only the changed one", async () => {
    const channel = makeChannel();
    const iam = new FakeIam({ memos: true });
    const people = [person("1", "amy"), person("2", "bob"), person("3", "cid")];
    iam.apply(await iam.plan({ channel, mode: "incremental", source: source(people), secretKey: KEY }));
    expect(iam.memos?.size).toBe(3);
    const changed = [person("1", "amy"), person("2", "bob", { mail: "robert@example.com" }), person("3", "cid")];
    const r = await iam.plan({ channel, mode: "incremental", source: source(changed), secretKey: KEY });
    expect(r.unchanged).toBe(2);
    expect([...r.desired.keys()]).toEqual(["2"]);
    expect(kinds(r)).toEqual(["update:bob"]);
    expect(r.plan.counts).toMatchObject({ noop: 2, desired: 3, sourceUsers: 3 });
  });

  it("fails the plan's caller, not the run as a source failure, when the memos cannot be loaded", async () => {
    const iam = await synced();
    const lost = new Error("Connection is closed.");
    await expect(
      planRun({
        channel: makeChannel(),
        mode: "incremental",
        source: source([person("1", "amy", { groups: ["dev"] }), person("2", "bob")]),
        applied: iam.applied,
        memos: Promise.reject(lost),
        secretKey: KEY,
      }),
    ).rejects.toBe(lost);
  });
});

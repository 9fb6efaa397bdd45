/**
 * Every list really pages: MaxItems, an opaque Marker, IsTruncated, and pages that may hold fewer
 * than MaxItems while more remain. A client that follows Marker must still see everything once.
 */
import {
  DeleteUserCommand,
  GetAccountAuthorizationDetailsCommand,
  GetGroupCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { caught, freshKey, iamClient } from "../support/iam-emulator/testing.js";

let emu: IamEmulator;
let shortEmu: IamEmulator;
beforeAll(async () => {
  emu = await startIamEmulator({ port: 0 });
  shortEmu = await startIamEmulator({ port: 0, shortPages: true });
});
afterAll(async () => {
  await emu?.close();
  await shortEmu?.close();
});

interface PageOut<T> {
  items: T[];
  IsTruncated?: boolean | undefined;
  Marker?: string | undefined;
}

/** Follows Marker with a bounded loop; returns all items and the page sizes seen. */
async function drain<T>(fetch: (marker: string | undefined) => Promise<PageOut<T>>, maxPages = 100) {
  const items: T[] = [];
  const sizes: number[] = [];
  let marker: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetch(marker);
    items.push(...page.items);
    sizes.push(page.items.length);
    if (!page.IsTruncated) return { items, sizes };
    expect(page.Marker).toBeTruthy();
    marker = page.Marker;
  }
  throw new Error(`still truncated after ${maxPages} pages`);
}

function seedUsers(e: IamEmulator, key: string, n: number, extra: (i: number) => object = () => ({})): string[] {
  const acct = e.account(key);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const userName = `user-${String(i).padStart(5, "0")}`;
    acct.seedUser({ userName, path: "/provisioner/", ...extra(i) });
    names.push(userName);
  }
  return names;
}

describe.each([
  ["full pages", () => emu],
  ["short pages", () => shortEmu],
])("paging with %s", (label, which) => {
  let c: IAMClient;
  let key: string;
  beforeAll(() => {
    key = freshKey(`pg${label}`);
    c = iamClient(which(), key);
  });

  it("ListUsers", async () => {
    const names = seedUsers(which(), key, 25);
    const { items, sizes } = await drain(async (Marker) => {
      const r = await c.send(new ListUsersCommand({ PathPrefix: "/provisioner/", MaxItems: 7, Marker }));
      return { items: r.Users ?? [], IsTruncated: r.IsTruncated, Marker: r.Marker };
    });
    expect(items.map((u) => u.UserName)).toEqual(names);
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    if (label === "short pages") expect(sizes.some((s) => s < 7 && s > 0)).toBe(true);
    // Default MaxItems is 100.
    const all = await c.send(new ListUsersCommand({}));
    expect(all.Users).toHaveLength(26);
  });

  it("ListGroups, ListGroupsForUser and GetGroup members", async () => {
    const acct = which().account(key);
    const groups = Array.from({ length: 10 }, (_, i) => `grp-${i}`);
    acct.seedUser({ userName: "member", groups });
    for (let i = 0; i < 12; i++) acct.seedUser({ userName: `gm-${String(i).padStart(2, "0")}`, groups: ["grp-0"] });
    const listed = await drain(async (Marker) => {
      const r = await c.send(new ListGroupsCommand({ MaxItems: 3, Marker }));
      return { items: r.Groups ?? [], IsTruncated: r.IsTruncated, Marker: r.Marker };
    });
    expect(listed.items.map((g) => g.GroupName)).toEqual(groups);
    const forUser = await drain(async (Marker) => {
      const r = await c.send(new ListGroupsForUserCommand({ UserName: "member", MaxItems: 3, Marker }));
      return { items: r.Groups ?? [], IsTruncated: r.IsTruncated, Marker: r.Marker };
    });
    expect(forUser.items.map((g) => g.GroupName)).toEqual(groups);
    expect(forUser.sizes.length).toBeGreaterThanOrEqual(4);
    const members = await drain(async (Marker) => {
      const r = await c.send(new GetGroupCommand({ GroupName: "grp-0", MaxItems: 5, Marker }));
      expect(r.Group?.GroupName).toBe("grp-0");
      return { items: r.Users ?? [], IsTruncated: r.IsTruncated, Marker: r.Marker };
    });
    expect(members.items).toHaveLength(13);
  });

  it("ListUserTags and ListAccessKeys", async () => {
    const acct = which().account(key);
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key-${i}`, `value-${i}`]));
    acct.seedUser({ userName: "tagged", tags, accessKeys: 2 });
    const t = await drain(async (Marker) => {
      const r = await c.send(new ListUserTagsCommand({ UserName: "tagged", MaxItems: 20, Marker }));
      return { items: r.Tags ?? [], IsTruncated: r.IsTruncated, Marker: r.Marker };
    });
    expect(Object.fromEntries(t.items.map((x) => [x.Key, x.Value]))).toEqual(tags);
    expect(t.items.map((x) => x.Key)).toEqual(Object.keys(tags)); // IAM keeps insertion order
    const k = await drain(async (Marker) => {
      const r = await c.send(new ListAccessKeysCommand({ UserName: "tagged", MaxItems: 1, Marker }));
      return { items: r.AccessKeyMetadata ?? [], IsTruncated: r.IsTruncated, Marker: r.Marker };
    });
    expect(k.items).toHaveLength(2);
    expect(k.sizes).toEqual([1, 1]);
  });
});

describe("GetAccountAuthorizationDetails", () => {
  it("2,500 users with MaxItems 1000 take exactly 3 calls, each user with its details", async () => {
    const key = freshKey("gaad");
    const names = seedUsers(emu, key, 2500, (i) => ({
      tags: { "provisioner:source-id": `id-${i}` },
      groups: i % 2 === 0 ? ["even"] : [],
      attachedPolicies: i === 7 ? ["arn:aws:iam::aws:policy/ReadOnlyAccess"] : [],
    }));
    const c = iamClient(emu, key);
    emu.resetCounters(key);
    const { items, sizes } = await drain(async (Marker) => {
      const r = await c.send(new GetAccountAuthorizationDetailsCommand({ Filter: ["User"], MaxItems: 1000, Marker }));
      expect(r.GroupDetailList).toEqual([]);
      return { items: r.UserDetailList ?? [], IsTruncated: r.IsTruncated, Marker: r.Marker };
    });
    expect(sizes).toEqual([1000, 1000, 501]); // 2,500 + the caller
    expect(emu.counters(key).byAction.GetAccountAuthorizationDetails?.calls).toBe(3);
    expect(new Set(items.map((u) => u.UserName))).toEqual(new Set([...names, "provisioner-admin"]));
    const u7 = items.find((u) => u.UserName === "user-00007");
    expect(u7).toMatchObject({
      Path: "/provisioner/",
      GroupList: [],
      Tags: [{ Key: "provisioner:source-id", Value: "id-7" }],
      AttachedManagedPolicies: [{ PolicyName: "ReadOnlyAccess", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }],
    });
    expect(u7?.CreateDate).toBeInstanceOf(Date);
    expect(u7?.Arn).toMatch(/:user\/provisioner\/user-00007$/);
    expect(items.find((u) => u.UserName === "user-00008")?.GroupList).toEqual(["even"]);
  });

  it("with short pages a client following Marker still gets every user and group exactly once", async () => {
    const key = freshKey("gaadshort");
    const names = seedUsers(shortEmu, key, 2500);
    const acct = shortEmu.account(key);
    for (let i = 0; i < 5; i++) acct.seedGroup({ groupName: `grp-${i}`, members: [`user-0000${i}`] });
    const c = iamClient(shortEmu, key);
    const users: string[] = [];
    const groups: string[] = [];
    const { sizes } = await drain(async (Marker) => {
      const r = await c.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: ["User", "Group"], MaxItems: 1000, Marker }),
      );
      users.push(...(r.UserDetailList ?? []).map((u) => u.UserName ?? ""));
      groups.push(...(r.GroupDetailList ?? []).map((g) => g.GroupName ?? ""));
      return {
        items: [...(r.UserDetailList ?? []), ...(r.GroupDetailList ?? [])],
        IsTruncated: r.IsTruncated,
        Marker: r.Marker,
      };
    });
    expect(sizes.length).toBeGreaterThan(3);
    expect(sizes.slice(0, -1).every((s) => s < 1000)).toBe(true);
    expect(users).toHaveLength(2501);
    expect(new Set(users)).toEqual(new Set([...names, "provisioner-admin"]));
    expect(groups).toEqual(["grp-0", "grp-1", "grp-2", "grp-3", "grp-4"]);
  });

  it("MaxItems outside 1-1000 and a foreign Marker are ValidationError", async () => {
    const c = iamClient(emu, freshKey("gaadbad"));
    for (const MaxItems of [0, 1001]) {
      expect(
        await caught(c.send(new GetAccountAuthorizationDetailsCommand({ MaxItems }))),
        String(MaxItems),
      ).toMatchObject({
        name: "ValidationError",
        status: 400,
      });
    }
    expect(await caught(c.send(new ListUsersCommand({ Marker: "not-a-marker" })))).toMatchObject({
      name: "ValidationError",
    });
  });

  it("a marker stays valid when entities are deleted between pages", async () => {
    const key = freshKey("pgdel");
    seedUsers(emu, key, 10);
    const c = iamClient(emu, key);
    const first = await c.send(new ListUsersCommand({ PathPrefix: "/provisioner/", MaxItems: 4 }));
    expect(first.Users?.map((u) => u.UserName)).toEqual(["user-00000", "user-00001", "user-00002", "user-00003"]);
    await c.send(new DeleteUserCommand({ UserName: "user-00003" }));
    await c.send(new DeleteUserCommand({ UserName: "user-00004" }));
    const next = await c.send(new ListUsersCommand({ PathPrefix: "/provisioner/", MaxItems: 4, Marker: first.Marker }));
    expect(next.Users?.map((u) => u.UserName)).toEqual(["user-00005", "user-00006", "user-00007", "user-00008"]);
  });
});

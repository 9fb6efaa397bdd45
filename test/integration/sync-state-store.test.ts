import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SecretKeyError } from "../../src/errors/SecretKeyError.js";
import { keys } from "../../src/queue/names.js";
import { StateStore } from "../../src/sync/state-store.js";
import type { AppliedUser, DesiredUser } from "../../src/types.js";
import { services, uniqueName } from "../support/env.js";

const KEY = Buffer.alloc(32, 3);
let redis: Redis;
let prefix: string;

beforeAll(() => {
  redis = new Redis(services.redisUrl);
});
afterEach(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length > 0) await redis.del(...found);
});
afterAll(async () => {
  await redis.quit();
});

const desired = (id: string, password?: string): DesiredUser => ({
  sourceId: id,
  userName: `user-${id}`,
  path: "/p/",
  tags: { team: "a" },
  ...(password ? { loginProfile: { password, passwordResetRequired: true } } : {}),
  groups: ["g1"],
  enabled: true,
  createOnly: [],
});
const applied = (id: string, userName = `user-${id}`): AppliedUser => ({
  sourceId: id,
  userName,
  path: "/p/",
  tags: {},
  groups: ["g1"],
  hasLoginProfile: false,
  enabled: true,
  digest: `d-${id}`,
  appliedAt: new Date(0).toISOString(),
  runId: "r1",
});

function store(withKey = true): StateStore {
  prefix = `{${uniqueName("sync-state")}}`;
  return new StateStore(redis, { prefix, ...(withKey ? { secretKey: KEY } : {}), batchSize: 500 });
}

describe("StateStore against Redis", () => {
  it("stores desired state with the password encrypted and reads it back", async () => {
    const s = store();
    await s.putDesired("eng", [desired("1", "Very-Secret-1"), desired("2")]);
    const raw = await redis.hget(keys.desired(prefix, "eng"), "1");
    expect(raw).not.toContain("Very-Secret-1");
    expect(raw).toContain("sealedPassword");
    const back = await s.getDesired("eng", ["1", "2", "missing"]);
    expect(back.get("1")).toEqual(desired("1", "Very-Secret-1"));
    expect(back.get("2")).toEqual(desired("2"));
    expect(back.has("missing")).toBe(false);
    // Copied onto another user's record, the sealed password does not decrypt.
    await redis.hset(keys.desired(prefix, "eng"), "3", (raw as string).replace('"sourceId":"1"', '"sourceId":"3"'));
    await expect(s.getDesired("eng", ["3"])).rejects.toThrow(/does not decrypt/);
  });

  it("refuses to store a password without secrets.key", async () => {
    const s = store(false);
    await expect(s.putDesired("eng", [desired("1", "pw-Secret-1")])).rejects.toThrow(SecretKeyError);
    await expect(s.putDesired("eng", [desired("1", "pw-Secret-1")])).rejects.toThrow(/secrets\.key/);
    expect(await redis.exists(keys.desired(prefix, "eng"))).toBe(0);
    await s.putDesired("eng", [desired("2")]);
    expect((await s.getDesired("eng", ["2"])).size).toBe(1);
  });

  it("loads 20,000 applied users in a few round trips and keeps the name index", async () => {
    const s = store();
    const all = Array.from({ length: 20_000 }, (_, i) => applied(String(i)));
    await s.putApplied("eng", all);
    let commands = 0;
    const counting = redis.duplicate();
    const monitor = new StateStore(counting, { prefix, secretKey: KEY });
    const send = counting.sendCommand.bind(counting);
    counting.sendCommand = ((cmd: Parameters<typeof send>[0]) => {
      commands++;
      return send(cmd);
    }) as typeof counting.sendCommand;
    const started = Date.now();
    const loaded = await monitor.loadApplied("eng");
    expect(loaded.size).toBe(20_000);
    expect(commands).toBeLessThanOrEqual(10);
    expect(Date.now() - started).toBeLessThan(5_000);
    await counting.quit();
    expect(await s.appliedCount("eng")).toBe(20_000);
    expect(await s.sourceIdForUserName("eng", "USER-42")).toBe("42");

    await s.putApplied("eng", [applied("42", "renamed")]);
    expect(await s.sourceIdForUserName("eng", "user-42")).toBeUndefined();
    expect(await s.sourceIdForUserName("eng", "Renamed")).toBe("42");
    await s.deleteApplied("eng", ["42"]);
    expect(await s.sourceIdForUserName("eng", "renamed")).toBeUndefined();
    expect((await s.getApplied("eng", ["42", "43"])).size).toBe(1);
  });

  it("keeps group state, the observed summary, rewrites memberships, and forgets a channel", async () => {
    const s = store();
    await s.putGroups("eng", new Map([["cn=a", { groupName: "a", path: "/p/" }]]));
    await s.putGroups("eng", new Map([["cn=b", { groupName: "b", path: "/p/" }]]));
    expect([...(await s.loadGroups("eng")).keys()]).toEqual(["cn=b"]);
    const summary = { readAt: "t", calls: 2, users: 10, managedUsers: 8, groups: 3, managedGroups: 2 };
    await s.putObserved("eng", summary);
    expect(await s.getObserved("eng")).toEqual(summary);
    await s.putApplied("eng", [applied("1"), { ...applied("2"), groups: ["g1", "g2"] }]);
    expect(await s.rewriteAppliedGroups("eng", { renames: new Map([["g1", "G-one"]]), deleted: new Set(["g2"]) })).toBe(
      2,
    );
    expect((await s.getApplied("eng", ["2"])).get("2")?.groups).toEqual(["G-one"]);
    await s.clearChannel("eng");
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });
});

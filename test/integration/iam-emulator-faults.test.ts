/**
 * The controls: per-account true rate, injected failures (before and after the change), dropped
 * connections, latency, key revocation, counters, the admin HTTP API and the standalone CLI.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateUserCommand, GetUserCommand, ListUsersCommand, TagUserCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { caught, freshKey, iamClient } from "../support/iam-emulator/testing.js";

let emu: IamEmulator;
beforeAll(async () => {
  emu = await startIamEmulator({ port: 0 });
});
afterAll(async () => {
  await emu?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("rate", () => {
  it("a true rate of R/s throttles the excess of ~3R/s for account A only", async () => {
    const R = 20;
    const keyA = freshKey("rateA");
    const keyB = freshKey("rateB");
    emu.setRate(keyA, R);
    const a = iamClient(emu, keyA);
    const b = iamClient(emu, keyB);
    const offered = 3 * R;
    const durationMs = 2000;
    const total = (offered * durationMs) / 1000;
    const calls: Promise<"ok" | "throttled" | "other">[] = [];
    const bCalls: Promise<unknown>[] = [];
    const started = performance.now();
    let lastSent = started;
    for (let i = 0; i < total; i++) {
      // Pace against the clock, not by summing sleeps, so the offered rate stays ~3R.
      const due = started + (i * 1000) / offered;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      lastSent = performance.now();
      calls.push(
        a.send(new GetUserCommand({})).then(
          () => "ok" as const,
          (e: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) =>
            e.name === "Throttling" && e.message === "Rate exceeded" && e.$metadata?.httpStatusCode === 400
              ? ("throttled" as const)
              : ("other" as const),
        ),
      );
      if (i % 3 === 0) bCalls.push(b.send(new GetUserCommand({})));
    }
    const outcomes = await Promise.all(calls);
    await Promise.all(bCalls); // B has no limit: every call succeeds
    const elapsed = (lastSent - started) / 1000;
    const accepted = outcomes.filter((o) => o === "ok").length;
    const throttled = outcomes.filter((o) => o === "throttled").length;
    expect(outcomes.filter((o) => o === "other")).toEqual([]);
    // Burst of R, then R per second of the offered window.
    const expected = R + R * elapsed;
    expect(accepted).toBeGreaterThanOrEqual(Math.floor(expected) - 4);
    expect(accepted).toBeLessThanOrEqual(Math.ceil(expected) + 4);
    expect(throttled).toBe(total - accepted);
    const ca = emu.counters(keyA);
    expect(ca.byAction.GetUser).toMatchObject({ calls: total, throttled });
    expect(emu.counters(keyB)).toMatchObject({ total: bCalls.length, throttled: 0, failed: 0 });
  });

  it("setRate(null) lifts the limit", async () => {
    const key = freshKey("ratenull");
    emu.setRate(key, 1);
    const c = iamClient(emu, key);
    await c.send(new GetUserCommand({}));
    expect(await caught(c.send(new GetUserCommand({})))).toMatchObject({ name: "Throttling", status: 400 });
    emu.setRate(key, null);
    for (let i = 0; i < 5; i++) await c.send(new GetUserCommand({}));
  });
});

describe("injected failures", () => {
  it("ServiceFailure 500 happens before the action changes anything", async () => {
    const key = freshKey("svcfail");
    const c = iamClient(emu, key);
    emu.setFailures({ serviceFailureRate: 1, actions: ["CreateUser"], accessKeyId: key });
    try {
      const e = await caught(c.send(new CreateUserCommand({ UserName: "never" })));
      expect(e).toMatchObject({ name: "ServiceFailureException", status: 500 });
      expect(emu.account(key).user("never")).toBeUndefined();
      await c.send(new GetUserCommand({})); // other actions unaffected
    } finally {
      emu.setFailures({});
    }
    await c.send(new CreateUserCommand({ UserName: "never" }));
    expect(emu.counters(key)).toMatchObject({
      total: 3,
      failed: 1,
      writes: 1,
      byAction: { CreateUser: { calls: 2, failed: 1, injected: 1, throttled: 0 } },
    });
  });

  it("failAfterApplyRate: the change happens, the answer is a 500", async () => {
    const key = freshKey("afterapply");
    const c = iamClient(emu, key);
    emu.setFailures({ failAfterApplyRate: 1, accessKeyId: key });
    try {
      expect(await caught(c.send(new CreateUserCommand({ UserName: "half" })))).toMatchObject({
        name: "ServiceFailureException",
        status: 500,
      });
      expect(emu.account(key).user("half")).toBeDefined();
      // Reads never fail after apply: they change nothing.
      await c.send(new ListUsersCommand({}));
      // The retry sees the change.
      expect(await caught(c.send(new CreateUserCommand({ UserName: "half" })))).toMatchObject({
        name: "EntityAlreadyExistsException",
      });
    } finally {
      emu.setFailures({});
    }
  });

  it("a dropped connection is a network error with no HTTP status, and changes nothing", async () => {
    const key = freshKey("drop");
    const c = iamClient(emu, key);
    emu.setFailures({ dropRate: 1, accessKeyId: key });
    try {
      const e = await caught(c.send(new CreateUserCommand({ UserName: "dropped" })));
      expect(e.status).toBeUndefined();
      expect(`${e.name} ${e.code} ${e.message}`).toMatch(/ECONNRESET|socket hang up|TimeoutError|EPIPE/i);
    } finally {
      emu.setFailures({});
    }
    expect(emu.account(key).user("dropped")).toBeUndefined();
    expect(emu.counters(key).byAction.CreateUser).toMatchObject({ calls: 1, failed: 1, injected: 1 });
    await c.send(new GetUserCommand({}));
  });

  it("latency: fixed ms plus random spikes", async () => {
    const key = freshKey("latency");
    const c = iamClient(emu, key);
    await c.send(new GetUserCommand({})); // warm the connection
    emu.setLatency(40, { probability: 1, ms: 60 });
    try {
      const t0 = performance.now();
      await c.send(new GetUserCommand({}));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    } finally {
      emu.setLatency(0);
    }
  });
});

describe("keys", () => {
  it("a revoked key gets 403 InvalidClientTokenId", async () => {
    const key = freshKey("revoke");
    const c = iamClient(emu, key);
    await c.send(new GetUserCommand({}));
    emu.revokeKey(key);
    const e = await caught(c.send(new GetUserCommand({})));
    expect(e).toMatchObject({
      name: "InvalidClientTokenId",
      status: 403,
      message: "The security token included in the request is invalid.",
    });
  });

  it("strictKeys: only registered keys work", async () => {
    const strict = await startIamEmulator({ port: 0, strictKeys: true });
    try {
      const key = freshKey("strict");
      const c = iamClient(strict, key);
      expect(await caught(c.send(new GetUserCommand({})))).toMatchObject({ name: "InvalidClientTokenId", status: 403 });
      strict.registerKey(key);
      const me = await c.send(new GetUserCommand({}));
      expect(me.User?.UserName).toBe("provisioner-admin");
      strict.revokeKey(key);
      expect(await caught(c.send(new GetUserCommand({})))).toMatchObject({ name: "InvalidClientTokenId" });
    } finally {
      await strict.close();
    }
  });

  it("raw protocol: unknown action 400 InvalidAction, missing signature 403", async () => {
    const post = (body: string, auth?: string) =>
      fetch(`${emu.url}/`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(auth ? { authorization: auth } : {}),
        },
        body,
      });
    const auth = `AWS4-HMAC-SHA256 Credential=${freshKey("raw")}/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x`;
    const unknown = await post("Action=FlyToTheMoon&Version=2010-05-08", auth);
    expect(unknown.status).toBe(400);
    const text = await unknown.text();
    expect(text).toContain("<Code>InvalidAction</Code>");
    expect(text).toContain("<Type>Sender</Type>");
    const unsigned = await post("Action=ListUsers&Version=2010-05-08");
    expect(unsigned.status).toBe(403);
    const ok = await post("Action=ListUsers&Version=2010-05-08&MaxItems=1", auth);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-amzn-requestid")).toBeTruthy();
    expect(await ok.text()).toMatch(
      /^<ListUsersResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><ListUsersResult><Users><member>.*<\/member><\/Users><IsTruncated>false<\/IsTruncated><\/ListUsersResult><ResponseMetadata><RequestId>[0-9a-f-]+<\/RequestId><\/ResponseMetadata><\/ListUsersResponse>$/,
    );
  });
});

describe("counters", () => {
  it("count calls, throttled and failed per action; writes are successful mutating calls", async () => {
    const key = freshKey("counters");
    const c = iamClient(emu, key);
    await c.send(new CreateUserCommand({ UserName: "a" }));
    await c.send(new TagUserCommand({ UserName: "a", Tags: [{ Key: "k", Value: "v" }] }));
    await caught(c.send(new CreateUserCommand({ UserName: "A" })));
    await c.send(new ListUsersCommand({}));
    emu.setRate(key, 1);
    await c.send(new ListUsersCommand({})); // the bucket starts full
    expect(await caught(c.send(new ListUsersCommand({})))).toMatchObject({ name: "Throttling" });
    emu.setRate(key, null);
    const r = emu.counters(key);
    expect(r).toMatchObject({ total: 6, writes: 2, failed: 1 });
    expect(r.byAction.CreateUser).toEqual({ calls: 2, throttled: 0, failed: 1, injected: 0 });
    expect(r.byAction.TagUser).toEqual({ calls: 1, throttled: 0, failed: 0, injected: 0 });
    expect(r.byAction.ListUsers).toEqual({ calls: 3, throttled: 1, failed: 0, injected: 0 });
    expect(r.throttled).toBe(1);
    emu.resetCounters(key);
    expect(emu.counters(key)).toEqual({ byAction: {}, total: 0, throttled: 0, failed: 0, writes: 0 });
  });

  it("reset(key) empties one account, leaving others alone", async () => {
    const k1 = freshKey("reset1");
    const k2 = freshKey("reset2");
    emu.account(k1).seedUser({ userName: "x" });
    emu.account(k2).seedUser({ userName: "y" });
    emu.reset(k1);
    expect(
      emu
        .account(k1)
        .snapshot()
        .users.map((u) => u.userName),
    ).toEqual(["provisioner-admin"]);
    expect(emu.account(k2).user("y")).toBeDefined();
  });
});

describe("admin HTTP API", () => {
  it("seed, state, rate, revoke, counters and reset over JSON", async () => {
    const key = freshKey("admin");
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${emu.url}/_emulator/${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const seeded = await call("POST", "seed", {
      accessKeyId: key,
      groups: [{ groupName: "devs", path: "/provisioner/" }],
      users: [{ userName: "ann", groups: ["devs"], loginProfile: { passwordResetRequired: true }, accessKeys: 1 }],
    });
    expect(seeded.status).toBe(200);
    const state = await call("GET", `state?accessKeyId=${key}`);
    const users = state.json.users as { userName: string; groups: string[]; loginProfile: unknown }[];
    expect(users.find((u) => u.userName === "ann")).toMatchObject({
      groups: ["devs"],
      loginProfile: { passwordResetRequired: true },
    });
    const c = iamClient(emu, key);
    expect((await c.send(new ListUsersCommand({}))).Users).toHaveLength(2);
    expect((await call("POST", "quota", { accessKeyId: key, usersQuota: 2 })).status).toBe(200);
    expect(await caught(c.send(new CreateUserCommand({ UserName: "third" })))).toMatchObject({
      name: "LimitExceededException",
    });
    const counters = await call("GET", `counters?accessKeyId=${key}`);
    expect(counters.json).toMatchObject({ total: 2, failed: 1 });
    await call("POST", "rate", { accessKeyId: key, perSecond: 1 });
    await c.send(new GetUserCommand({}));
    expect(await caught(c.send(new GetUserCommand({})))).toMatchObject({ name: "Throttling" });
    await call("POST", "rate", { accessKeyId: key, perSecond: null });
    await call("POST", "keys/revoke", { accessKeyId: key });
    expect(await caught(c.send(new GetUserCommand({})))).toMatchObject({ name: "InvalidClientTokenId" });
    await call("POST", "reset", { accessKeyId: key });
    const after = await call("GET", `state?accessKeyId=${key}`);
    expect((after.json.users as unknown[]).length).toBe(1);
    await c.send(new GetUserCommand({}));
    expect((await call("GET", "nope")).status).toBe(404);
    expect((await call("POST", "rate", { perSecond: 1 })).status).toBe(400);
  });
});

describe("cli", () => {
  it("`npm run emulator` starts alone and prints its URL", async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
    const tsx = resolve(root, "node_modules/.bin/tsx");
    const child: ChildProcess = spawn(tsx, ["test/support/iam-emulator/cli.ts", "--port", "0", "--rate", "50"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
        child.stdout?.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolveUrl(m[0]);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const health = await fetch(`${url}/_emulator/health`);
      expect(await health.json()).toMatchObject({ ok: true, url });
      const c = iamClient({ url } as IamEmulator, freshKey("cli"));
      expect((await c.send(new GetUserCommand({}))).User?.UserName).toBe("provisioner-admin");
    } finally {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    }
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsIamTargetConfig } from "../../src/config/schema.js";
import { AuthError } from "../../src/errors/AuthError.js";
import { PermanentError } from "../../src/errors/PermanentError.js";
import type { ProvisioningError } from "../../src/errors/ProvisioningError.js";
import { ThrottlingError } from "../../src/errors/ThrottlingError.js";
import { TransientError } from "../../src/errors/TransientError.js";
import { type CallBudget, createAwsIamTarget } from "../../src/targets/aws-iam/index.js";
import { MARKER_TAG, SOURCE_ID_TAG } from "../../src/types.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { emulatorTargetConfig, freshKey } from "../support/iam-emulator/testing.js";

/** Real emulator errors through the real SDK land in the right class; bulk reads cost what they should. */

let emu: IamEmulator;
beforeAll(async () => {
  emu = await startIamEmulator();
});
afterAll(async () => {
  await emu.close();
});

function config(key: string, over: Partial<AwsIamTargetConfig> = {}): AwsIamTargetConfig {
  return emulatorTargetConfig(emu, key, over);
}

const fail = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail("expected a failure"),
    (e: unknown) => e as ProvisioningError,
  );

describe("classification of real emulator errors", () => {
  it("throttling at a low rate is ThrottlingError and is reported to the budget", async () => {
    const key = freshKey("throttle");
    let throttled = 0;
    const budget: CallBudget = { take: async () => {}, throttled: () => void throttled++, succeeded: () => {} };
    const target = createAwsIamTarget("aws", config(key), { budget });
    emu.setRate(key, 1);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => target.readObserved()));
    emu.setRate(key, null);
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e).toBeInstanceOf(ThrottlingError);
      expect((e as ThrottlingError).code).toBe("Throttling");
      expect((e as ThrottlingError).retryable).toBe(true);
    }
    expect(throttled).toBe(errors.length);
    expect(emu.counters(key).throttled).toBe(errors.length);
  });

  it("ServiceFailure is transient", async () => {
    const key = freshKey("svcfail");
    const target = createAwsIamTarget("aws", config(key));
    emu.setFailures({ serviceFailureRate: 1, actions: ["GetUser"], accessKeyId: key });
    const e = await fail(target.verify());
    emu.setFailures({});
    expect(e).toBeInstanceOf(TransientError);
    expect(e.code).toBe("ServiceFailure");
    expect(e.httpStatus).toBe(500);
  });

  it("a dropped connection is transient", async () => {
    const key = freshKey("drop");
    const target = createAwsIamTarget("aws", config(key));
    emu.setFailures({ dropRate: 1, actions: ["GetUser"], accessKeyId: key });
    const e = await fail(target.verify());
    emu.setFailures({});
    expect(e).toBeInstanceOf(TransientError);
  });

  it("a revoked key fails verify with AuthError, and verify can be retried after", async () => {
    const key = freshKey("revoked");
    const target = createAwsIamTarget("aws", config(key));
    emu.revokeKey(key);
    const e = await fail(target.verify());
    expect(e).toBeInstanceOf(AuthError);
    expect(e.code).toBe("InvalidClientTokenId");
    expect(e.retryable).toBe(false);
    emu.reset(key);
    await expect(target.verify()).resolves.toMatchObject({ accountId: emu.account(key).accountId });
  });

  it("a quota (LimitExceeded) is permanent and sent once, not retried by the SDK", async () => {
    const key = freshKey("quota");
    const account = emu.account(key);
    const target = createAwsIamTarget("aws", config(key));
    await target.verify();
    account.setUsersQuota(1);
    emu.resetCounters(key);
    const e = await fail(
      target.applyUser({ kind: "create", channel: "hr", sourceId: "s1", userName: "alice", path: "/" }),
    );
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe("LimitExceeded");
    expect(emu.counters(key).total).toBe(1);
  });

  it("a password policy violation is permanent and its message holds no password", async () => {
    const key = freshKey("pwd");
    const target = createAwsIamTarget("aws", config(key));
    const password = "weakpass";
    const e = await fail(
      target.applyUser({
        kind: "create",
        channel: "hr",
        sourceId: "s1",
        userName: "alice",
        path: "/",
        loginProfile: { action: "create", password, passwordResetRequired: true },
      }),
    );
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.code).toBe("PasswordPolicyViolation");
    expect(e.userName).toBe("alice");
    expect(e.message).not.toContain(password);
    expect(JSON.stringify(e)).not.toContain(password);
  });
});

describe("bulk read", () => {
  it("2,500 users cost 3 calls (users and groups share pages of 1,000)", async () => {
    const key = freshKey("bulk");
    const account = emu.account(key);
    account.seedGroup({ groupName: "even", path: "/provisioner/hr/", inlinePolicies: ["p"] });
    account.seedUsers(
      Array.from({ length: 2500 }, (_, i) => ({
        userName: `user${String(i).padStart(4, "0")}`,
        path: "/provisioner/hr/",
        tags: { [MARKER_TAG]: "hr", [SOURCE_ID_TAG]: `s${i}`, team: "Ops" },
        groups: i % 2 === 0 ? ["even"] : [],
      })),
    );
    const target = createAwsIamTarget("aws", config(key));
    const observed = await target.readObserved();
    // 2,500 seeded + the caller + 1 group = 2,502 entities: 3 pages.
    expect(observed.calls).toBe(3);
    expect(emu.counters(key).byAction.GetAccountAuthorizationDetails?.calls).toBe(3);
    expect(target.calls()).toEqual({ GetAccountAuthorizationDetails: 3 });
    expect(observed.users).toHaveLength(2501);
    expect(observed.groups).toEqual([
      expect.objectContaining({
        groupName: "even",
        path: "/provisioner/hr/",
        hasInlinePolicies: true,
        attachedPolicies: [],
      }),
    ]);
    const u = observed.users.find((x) => x.userName === "user0002");
    expect(u).toMatchObject({
      path: "/provisioner/hr/",
      tags: { [MARKER_TAG]: "hr", [SOURCE_ID_TAG]: "s2", team: "Ops" },
      groups: ["even"],
      hasInlinePolicies: false,
      attachedPolicies: [],
    });
    expect(u?.arn).toContain(account.accountId);
  });

  it("follows Marker through short pages until IsTruncated is false", async () => {
    const short = await startIamEmulator({ shortPages: true });
    try {
      const key = freshKey("short");
      short.account(key).seedUsers(Array.from({ length: 2100 }, (_, i) => ({ userName: `u${i}` })));
      const target = createAwsIamTarget("aws", { ...config(key), endpoint: short.url });
      const observed = await target.readObserved();
      expect(observed.users).toHaveLength(2101);
      expect(observed.calls).toBeGreaterThan(3);
      expect(short.counters(key).total).toBe(observed.calls);
    } finally {
      await short.close();
    }
  });
});

describe("client", () => {
  it("reaches IAM through an HTTP proxy by CONNECT", async () => {
    let tunnels = 0;
    const open = new Set<{ destroy(): void }>();
    const proxy: Server = createServer();
    proxy.on("connect", (req, socket, head) => {
      tunnels++;
      open.add(socket);
      const [host, port] = (req.url ?? "").split(":");
      const upstream = connect(Number(port), host, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      open.add(upstream);
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const key = freshKey("proxy");
      const target = createAwsIamTarget(
        "aws",
        config(key, { proxy: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }),
      );
      await expect(target.verify()).resolves.toMatchObject({ userName: emu.account(key).callerUserName });
      target.destroy();
      expect(tunnels).toBeGreaterThan(0);
    } finally {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it("a request timeout is transient", async () => {
    const key = freshKey("timeout");
    emu.setLatency(500);
    try {
      const target = createAwsIamTarget("aws", config(key, { requestTimeoutMs: 100 }));
      const e = await fail(target.verify());
      expect(e).toBeInstanceOf(TransientError);
    } finally {
      emu.setLatency(0);
    }
  });
});

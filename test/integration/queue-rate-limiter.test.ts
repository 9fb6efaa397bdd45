import { afterAll, describe, expect, it } from "vitest";
import { createRedis } from "../../src/queue/connection.js";
import { RedisCallBudget } from "../../src/queue/rate-limiter.js";
import { services, uniqueName } from "../support/env.js";

describe("per-target token bucket in Redis", () => {
  const a = createRedis(services.redisUrl, "producer");
  const b = createRedis(services.redisUrl, "producer");
  afterAll(async () => {
    await a.quit();
    await b.quit();
  });

  it("paces calls at the configured rate, shared by two connections as by two processes", async () => {
    const prefix = uniqueName("rl");
    const limits = { maxRequestsPerSecond: 40, minRequestsPerSecond: 1 };
    const one = new RedisCallBudget(a, prefix, "acct", limits);
    const two = new RedisCallBudget(b, prefix, "acct", limits);
    const started = Date.now();
    // 60 calls at 40/s from two "processes": the first 4 ride the bucket, the rest are paced ≈ 1.4 s.
    await Promise.all([
      ...Array.from({ length: 30 }, () => one.take("CreateUser")),
      ...Array.from({ length: 30 }, () => two.take("CreateUser")),
    ]);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(1.1);
    expect(seconds).toBeLessThan(3.5);
    const status = await one.status();
    expect(status.granted).toBe(60);
  });

  it("cuts the rate on throttling, once per burst of Throttling answers", async () => {
    const prefix = uniqueName("rl");
    const budget = new RedisCallBudget(a, prefix, "acct", { maxRequestsPerSecond: 100, minRequestsPerSecond: 5 });
    await budget.take("X");
    budget.throttled();
    budget.throttled();
    budget.throttled();
    await a.ping(); // the throttled() signals are fire-and-forget; a round trip on the same connection orders them
    const status = await budget.status();
    expect(status.throttled).toBe(3);
    expect(status.cuts).toBe(1);
    expect(status.rate).toBeLessThanOrEqual(80);
    expect(status.rate).toBeGreaterThanOrEqual(5);
  });

  it("never cuts below the configured minimum", async () => {
    const prefix = uniqueName("rl");
    const budget = new RedisCallBudget(a, prefix, "acct", { maxRequestsPerSecond: 10, minRequestsPerSecond: 4 });
    const key = `${prefix}:rate:acct`;
    for (let i = 0; i < 6; i++) {
      await a.hset(key, "lastCut", 0); // let each signal count, as if half a second had passed
      budget.throttled();
      await a.ping();
    }
    expect((await budget.status()).rate).toBe(4);
  });

  it("peekWait reports an empty bucket without taking a token", async () => {
    const prefix = uniqueName("rl");
    const budget = new RedisCallBudget(a, prefix, "acct", { maxRequestsPerSecond: 2, minRequestsPerSecond: 1 });
    await budget.take("X");
    const wait = await budget.peekWait();
    expect(wait).toBeGreaterThan(0);
    expect((await budget.status()).granted).toBe(1);
  });
});

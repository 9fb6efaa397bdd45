import type { Redis } from "ioredis";
import { keys } from "./names.js";

/**
 * One IAM request budget per target (AWS account), shared by every worker process on every machine:
 * a token bucket in Redis consulted before each IAM call.
 *
 * AWS publishes no IAM rate and will not raise it, so the budget finds the ceiling itself:
 * - throttling cuts the rate to just under what actually succeeded in the last second (or by 20% before
 *   there is such a measure), at most once per half second, because one burst of Throttling answers is
 *   one signal, not many;
 * - the rate climbs back quickly (5%/s) while below the last known ceiling and probes beyond it slowly
 *   (0.2%/s), so it sits just under the real limit instead of oscillating between it and half of it;
 * - the bucket holds a tenth of a second of tokens, so a refill never becomes a burst AWS would throttle.
 * Time comes from Redis (TIME), so machines with skewed clocks share one notion of "now".
 */

const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

// Rolls the success window (about a second long; its length is kept so a rate can be derived) and adds
// the successes a client reports. A window idle for 2 s says nothing about the account's ceiling: dropped.
const ROLL_OK = `
local function roll_ok(key, now, add)
  local w = redis.call('HMGET', key, 'okStart', 'okCur')
  local start = tonumber(w[1])
  if start == nil then
    redis.call('HSET', key, 'okStart', now, 'okCur', add)
    return
  end
  local cur = tonumber(w[2]) or 0
  if now - start >= 2000 then
    redis.call('HSET', key, 'okPrev', 0, 'okPrevMs', 0, 'okStart', now, 'okCur', add)
  elseif now - start >= 1000 then
    redis.call('HSET', key, 'okPrev', cur, 'okPrevMs', now - start, 'okStart', now, 'okCur', add)
  elseif add > 0 then
    redis.call('HINCRBY', key, 'okCur', add)
  end
end
`;

/** KEYS[1] bucket; ARGV: max, min, consume (1 take / 0 peek), successes to report. Returns {waitMs, rate}. */
const TAKE = `${CLOCK}${ROLL_OK}
local max = tonumber(ARGV[1])
local min = tonumber(ARGV[2])
local consume = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'rate', 'tokens', 'ts', 'ceil')
local rate = tonumber(h[1]) or max
local ts = tonumber(h[3]) or now
local ceil = tonumber(h[4]) or 0
local dt = math.max(0, now - ts) / 1000
local step
if ceil > 0 and rate >= ceil * 0.97 then step = math.max(0.05, rate * 0.002) else step = math.max(0.5, rate * 0.05) end
rate = math.max(min, math.min(max, rate + step * dt))
local cap = math.max(1, rate * 0.1)
local tokens = tonumber(h[2])
if tokens == nil then tokens = cap end
tokens = math.min(cap, tokens + rate * dt)
local wait = 0
if tokens >= 1 then
  if consume == 1 then tokens = tokens - 1 end
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'rate', rate, 'tokens', tokens, 'ts', now, 'max', max)
if consume == 1 and wait == 0 then redis.call('HINCRBY', KEYS[1], 'granted', 1) end
roll_ok(KEYS[1], now, tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[1], 86400000)
return {wait, tostring(rate)}
`;

/**
 * KEYS[1] bucket; ARGV: max, min. Returns the new rate.
 * The account's ceiling is what it accepted per second while it throttled us (the current success window
 * once it is half a second long, else the last complete one), or the rate itself when that is lower. The
 * rate goes just under it (2%), at most halving at once, and the ceiling is remembered so the climb back
 * probes beyond it slowly. Without a measure (the first second) the cut is multiplicative (20%).
 */
const THROTTLED = `${CLOCK}
local max = tonumber(ARGV[1])
local min = tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[1], 'throttled', 1)
local h = redis.call('HMGET', KEYS[1], 'rate', 'lastCut', 'okPrev', 'okStart', 'okCur', 'okPrevMs')
local rate = tonumber(h[1]) or max
local lastCut = tonumber(h[2]) or 0
if now - lastCut < 500 then return tostring(rate) end
local measured = 0
local sinceStart = now - (tonumber(h[4]) or now)
local prevMs = tonumber(h[6]) or 0
if sinceStart >= 500 and sinceStart < 2000 then
  measured = (tonumber(h[5]) or 0) * 1000 / sinceStart
elseif prevMs > 0 then
  measured = (tonumber(h[3]) or 0) * 1000 / prevMs
end
local newRate = rate * 0.8
local ceil = newRate
if measured > 0 then
  ceil = math.min(rate, measured)
  newRate = math.max(ceil * 0.98, rate * 0.5)
end
newRate = math.max(min, newRate)
redis.call('HSET', KEYS[1], 'rate', newRate, 'ceil', math.max(newRate, ceil), 'lastCut', now, 'tokens', 0, 'ts', now)
redis.call('HINCRBY', KEYS[1], 'cuts', 1)
return tostring(newRate)
`;

export interface BudgetLimits {
  maxRequestsPerSecond: number;
  minRequestsPerSecond: number;
}

export interface BudgetStatus {
  rate: number;
  max: number;
  granted: number;
  throttled: number;
  cuts: number;
}

type RedisWithBudget = Redis & {
  provTake(key: string, max: number, min: number, consume: number, ok: number): Promise<[number, string]>;
  provThrottled(key: string, max: number, min: number): Promise<string>;
};

function withCommands(redis: Redis): RedisWithBudget {
  const r = redis as RedisWithBudget;
  if (typeof r.provTake !== "function") {
    redis.defineCommand("provTake", { numberOfKeys: 1, lua: TAKE });
    redis.defineCommand("provThrottled", { numberOfKeys: 1, lua: THROTTLED });
  }
  return r;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Redis token bucket of one target; implements the target's CallBudget. */
export class RedisCallBudget {
  private readonly redis: RedisWithBudget;
  private readonly key: string;
  private pendingOk = 0;

  constructor(
    redis: Redis,
    prefix: string,
    readonly target: string,
    private readonly limits: BudgetLimits,
  ) {
    this.redis = withCommands(redis);
    this.key = keys.rate(prefix, target);
  }

  /** Waits until a token is granted for one IAM call. */
  async take(_action?: string): Promise<void> {
    for (;;) {
      const ok = this.pendingOk;
      this.pendingOk = 0;
      const [wait] = await this.redis.provTake(
        this.key,
        this.limits.maxRequestsPerSecond,
        this.limits.minRequestsPerSecond,
        1,
        ok,
      );
      if (wait <= 0) return;
      await sleep(Math.min(wait, 1_000));
    }
  }

  /** How long until a token would be granted, without taking one: 0 means now. */
  async peekWait(): Promise<number> {
    const [wait] = await this.redis.provTake(
      this.key,
      this.limits.maxRequestsPerSecond,
      this.limits.minRequestsPerSecond,
      0,
      0,
    );
    return wait;
  }

  /** AWS answered Throttling: lower the shared rate. */
  throttled(): void {
    this.redis.provThrottled(this.key, this.limits.maxRequestsPerSecond, this.limits.minRequestsPerSecond).catch(() => {
      // A lost signal only delays the cut until the next Throttling answer.
    });
  }

  /** A call succeeded; reported with the next take to save a round trip. */
  succeeded(): void {
    this.pendingOk += 1;
  }

  async status(): Promise<BudgetStatus> {
    return readBudgetStatus(this.redis, this.key, this.limits.maxRequestsPerSecond);
  }
}

export async function readBudgetStatus(redis: Redis, key: string, fallbackMax: number): Promise<BudgetStatus> {
  const h = await redis.hmget(key, "rate", "max", "granted", "throttled", "cuts");
  const max = Number(h[1] ?? fallbackMax);
  return {
    rate: Number(h[0] ?? max),
    max,
    granted: Number(h[2] ?? 0),
    throttled: Number(h[3] ?? 0),
    cuts: Number(h[4] ?? 0),
  };
}

/** Forget a target's learned rate (after its configuration changed, or in tests). */
export async function resetBudget(redis: Redis, prefix: string, target: string): Promise<void> {
  await redis.del(keys.rate(prefix, target));
}

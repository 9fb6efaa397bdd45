/**
 * The misbehaviour a real IAM endpoint shows under load: a per-account request rate, latency with
 * spikes, 500s and dropped connections, and per-action call counters that include all of them.
 */

/** Continuous refill at `rate` tokens/s, capacity `rate`: a burst of R, then R per second. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly rate: number,
    now: number,
  ) {
    this.tokens = this.capacity;
    this.last = now;
  }
  get capacity(): number {
    return Math.max(1, this.rate);
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface FailureConfig {
  /** Fraction of calls answered 500 ServiceFailure before the action runs. */
  serviceFailureRate?: number;
  /** Fraction of calls whose connection is destroyed without an answer, before the action runs. */
  dropRate?: number;
  /** Fraction of successful mutating calls answered 500 after the change was applied. */
  failAfterApplyRate?: number;
  /** Only these actions fail; all when omitted. */
  actions?: string[];
  /** Only this account fails; all when omitted. */
  accessKeyId?: string;
}

export interface LatencyConfig {
  ms: number;
  spike?: { probability: number; ms: number } | undefined;
}

export interface ActionCounters {
  calls: number;
  throttled: number;
  failed: number;
  /** Of `failed`, those the emulator injected (500 / drop / fail-after-apply). */
  injected: number;
}

export interface CounterReport {
  byAction: Record<string, ActionCounters>;
  total: number;
  throttled: number;
  failed: number;
  writes: number;
}

const MUTATING = /^(Create|Update|Delete|Add|Remove|Tag|Untag|Put|Attach|Detach|Deactivate)/;
export const isMutating = (action: string): boolean => MUTATING.test(action);

export type Outcome = "ok" | "throttled" | "failed" | "injected";

/** Per access key; a call counts once in `calls` and at most once in `throttled` or `failed`. */
export class Counters {
  private byKey = new Map<string, CounterReport>();

  record(accessKeyId: string, action: string, outcome: Outcome, wrote: boolean): void {
    let r = this.byKey.get(accessKeyId);
    if (!r) {
      r = { byAction: {}, total: 0, throttled: 0, failed: 0, writes: 0 };
      this.byKey.set(accessKeyId, r);
    }
    const a = r.byAction[action] ?? { calls: 0, throttled: 0, failed: 0, injected: 0 };
    r.byAction[action] = a;
    a.calls++;
    r.total++;
    if (outcome === "throttled") {
      a.throttled++;
      r.throttled++;
    } else if (outcome === "failed" || outcome === "injected") {
      a.failed++;
      r.failed++;
      if (outcome === "injected") a.injected++;
    }
    if (wrote) r.writes++;
  }

  report(accessKeyId: string): CounterReport {
    const r = this.byKey.get(accessKeyId);
    if (!r) return { byAction: {}, total: 0, throttled: 0, failed: 0, writes: 0 };
    return JSON.parse(JSON.stringify(r)) as CounterReport;
  }

  reset(accessKeyId?: string): void {
    if (accessKeyId === undefined) this.byKey.clear();
    else this.byKey.delete(accessKeyId);
  }
}

/** mulberry32: a seeded source keeps injected faults reproducible when a test asks for it. */
export function rng(seed: number | undefined): () => number {
  if (seed === undefined) return Math.random;
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

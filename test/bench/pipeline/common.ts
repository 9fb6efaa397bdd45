/**
 * Shared pieces of the pipeline benches (test/bench/run.ts): the local services' environment, flags,
 * sampling the emulator's counters over time, Redis clean-up of a prefix, and the machine's description.
 */
import { execFileSync, fork } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKER_NODE_FLAGS } from "../../../src/cli/node-flags.js";
import type { CounterReport, IamEmulator } from "../../support/iam-emulator/index.js";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Exports REDIS_URL, LDAP_URL, ... from `scripts/services.sh env` when the caller did not. */
export function loadServicesEnv(): void {
  if (process.env.LDAP_URL && process.env.REDIS_URL) return;
  const exports = execFileSync("bash", [resolve(root, "scripts/services.sh"), "env"], { encoding: "utf8" });
  for (const line of exports.split("\n")) {
    const m = /^export ([A-Z0-9_]+)="(.*)"$/.exec(line.trim());
    if (m?.[1] && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}

export { sleep } from "../../support/processes.js";

export function machine() {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function load(): [number, number, number] {
  return loadavg().map((x) => +x.toFixed(2)) as [number, number, number];
}

/** Accepted = every call the emulator let through its rate (answered ok or with an IAM error). */
export const accepted = (c: CounterReport) => c.total - c.throttled;

export function sumCounters(reports: CounterReport[]): CounterReport {
  const out: CounterReport = { byAction: {}, total: 0, throttled: 0, failed: 0, writes: 0 };
  for (const r of reports) {
    out.total += r.total;
    out.throttled += r.throttled;
    out.failed += r.failed;
    out.writes += r.writes;
    for (const [a, v] of Object.entries(r.byAction)) {
      const o = out.byAction[a] ?? { calls: 0, throttled: 0, failed: 0, injected: 0 };
      o.calls += v.calls;
      o.throttled += v.throttled;
      o.failed += v.failed;
      o.injected += v.injected;
      out.byAction[a] = o;
    }
  }
  return out;
}

export interface PhaseWindow {
  /** Seconds (from the sampler's start) of the last sample before the first provisioning call. */
  from: number;
  /** Seconds of the first sample where the accepted count reached its final value. */
  to: number;
  seconds: number;
  /** Calls accepted within the window. */
  accepted: number;
  /** Accepted calls per second within the window. */
  perSecond: number;
}

interface Sample {
  t: number;
  accepted: number[];
  started: boolean[];
}

/**
 * Samples the emulator's counters of some accounts every `everyMs`, so the provisioning phase of each can
 * be cut out of the run: it starts when the account's first `startAction` call appears and ends when its
 * accepted count stops moving for good.
 */
export class CounterSampler {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;

  constructor(
    private readonly emu: IamEmulator,
    private readonly keys: string[],
    private readonly startAction = "CreateUser",
    private readonly everyMs = 20,
  ) {}

  private sample(): void {
    const reports = this.keys.map((k) => this.emu.counters(k));
    this.samples.push({
      t: (performance.now() - this.t0) / 1000,
      accepted: reports.map(accepted),
      started: reports.map((r) => (r.byAction[this.startAction]?.calls ?? 0) > 0),
    });
  }

  start(): this {
    this.t0 = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  private at(i: number): Sample {
    return this.samples[i] as Sample;
  }

  /** Account k's provisioning phase. */
  phase(k: number): PhaseWindow | undefined {
    const s = this.samples;
    const first = s.findIndex((x) => x.started[k]);
    if (first < 0) return undefined;
    const before = this.at(Math.max(0, first - 1));
    const final = this.at(s.length - 1).accepted[k] as number;
    const end = s.find((x) => x.t >= before.t && x.accepted[k] === final) as Sample;
    return this.window(before, end, [k]);
  }

  /** The window in which every account was provisioning, all accounts' accepted calls summed. */
  allBusy(): PhaseWindow | undefined {
    const phases = this.keys.map((_, k) => this.phase(k));
    if (phases.some((p) => !p)) return undefined;
    const from = Math.max(...phases.map((p) => (p as PhaseWindow).from));
    const to = Math.min(...phases.map((p) => (p as PhaseWindow).to));
    if (to <= from) return undefined;
    const a = this.samples.find((x) => x.t >= from) as Sample;
    const b = this.samples.find((x) => x.t >= to) as Sample;
    return this.window(
      a,
      b,
      this.keys.map((_, k) => k),
    );
  }

  /** Accepted calls per whole second since the start, summed over the accounts. */
  timeline(): number[] {
    const out: number[] = [];
    let k = 0;
    const sum = (x: Sample) => x.accepted.reduce((n, v) => n + v, 0);
    let prev = sum(this.at(0));
    const last = this.at(this.samples.length - 1).t;
    for (let t = 1; t <= last; t++) {
      while (k < this.samples.length - 1 && this.at(k + 1).t <= t) k++;
      const cur = sum(this.at(k));
      out.push(cur - prev);
      prev = cur;
    }
    return out;
  }

  private window(a: Sample, b: Sample, ks: number[]): PhaseWindow {
    const n = ks.reduce((sum, k) => sum + ((b.accepted[k] as number) - (a.accepted[k] as number)), 0);
    const seconds = b.t - a.t;
    return {
      from: +a.t.toFixed(3),
      to: +b.t.toFixed(3),
      seconds: +seconds.toFixed(3),
      accepted: n,
      perSecond: seconds > 0 ? n / seconds : 0,
    };
  }
}

export { clearPrefix } from "../../support/redis.js";

/** Rejects after ms with a clear message; the scenario's clean-up still runs in its finally. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${(ms / 1000).toFixed(0)} s`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export interface Child {
  /** Resolves with the next message of this type (rejects if the child exits first or after timeoutMs). */
  next<T = Record<string, unknown>>(type: string, timeoutMs: number): Promise<T>;
  send(msg: unknown): void;
  /** Resolves when the child has exited by itself, or kills it after timeoutMs. */
  exit(timeoutMs: number): Promise<void>;
  kill(): void;
}

/** Forks test/bench/pipeline/child.ts under tsx with one mode and a configuration file. */
export function forkChild(mode: string, configFile: string, args: string[] = []): Child {
  const child = fork(resolve(root, "test/bench/pipeline/child.ts"), [mode, configFile, ...args], {
    // BENCH_CHILD_EXEC_ARGV="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the worker process.
    // The worker's own flags (bin/node-flags.js), as `provisioner worker` runs with them.
    execArgv: [
      ...WORKER_NODE_FLAGS,
      "--import",
      "tsx",
      "--no-warnings",
      ...(process.env.BENCH_CHILD_EXEC_ARGV ?? "").split(" ").filter(Boolean),
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const inbox: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
  let exited: Error | undefined;
  child.on("message", (m: Record<string, unknown>) => {
    const w = waiters.findIndex((x) => x.type === m.type);
    if (w >= 0) waiters.splice(w, 1)[0]?.resolve(m);
    else inbox.push(m);
  });
  child.on("exit", (code, signal) => {
    exited = new Error(`bench child (${mode}) exited with ${signal ?? code}`);
    for (const w of waiters.splice(0)) w.reject(exited);
  });
  return {
    next<T>(type: string, timeoutMs: number): Promise<T> {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as T);
      if (exited) return Promise.reject(exited);
      return new Promise<T>((res, rej) => {
        const timer = setTimeout(() => {
          const k = waiters.findIndex((x) => x.resolve === done);
          if (k >= 0) waiters.splice(k, 1);
          rej(new Error(`bench child (${mode}): no "${type}" within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        const done = (m: Record<string, unknown>) => {
          clearTimeout(timer);
          res(m as T);
        };
        waiters.push({
          type,
          resolve: done,
          reject: (e) => {
            clearTimeout(timer);
            rej(e);
          },
        });
      });
    },
    send(msg) {
      if (child.connected) child.send(msg as object);
    },
    exit(timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((res) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          res();
        }, timeoutMs);
        child.once("exit", () => {
          clearTimeout(timer);
          res();
        });
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

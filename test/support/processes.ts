import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKER_NODE_FLAGS } from "../../src/cli/node-flags.js";
import { services } from "./env.js";

/** Worker processes and service restarts for the fault suite. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = resolve(ROOT, "bin/provisioner.js");

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the process logged that its workers started. */
  ready: Promise<void>;
}

export function spawnWorker(configFile: string, role = "worker"): WorkerProcess {
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, BIN, role, "--config", configFile], {
    env: { ...process.env, PROVISIONER_FROM_SOURCE: "1", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const ready = new Promise<void>((resolveReady, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes("workers started")) resolveReady();
      if (out.length > 2_000_000) out = out.slice(-1_000_000);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`worker exited early (${code}): ${out.slice(-2000)}`)));
  });
  ready.catch(() => {});
  return { child, output: () => out, ready };
}

export async function kill(w: WorkerProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once("exit", r));
  w.child.kill(signal);
  await exited;
}

export async function killAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) await kill(w);
}

/** Stops or starts one of the shared services (the fault suite runs alone, so nobody else is using them). */
export function service(action: "up" | "down", name: "redis" | "slapd" | "mariadb"): void {
  execFileSync("bash", [services.servicesScript, action, name], { stdio: "ignore" });
}

/** Kills a shared service with SIGKILL, as a crash would (`service("up", ...)` starts it again). */
export function crash(name: "redis" | "slapd"): void {
  const dir = process.env.SERVICES_DIR ?? resolve(ROOT, ".services");
  const pidFile = name === "redis" ? `${dir}/redis/redis.pid` : `${dir}/slapd/slapd.pid`;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  process.kill(pid, "SIGKILL");
  // Wait until it is gone, so that a following `up` does not find it still alive.
  for (let i = 0; i < 10_000; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    execFileSync("sleep", ["0.01"]);
  }
  throw new Error(`${name} (pid ${pid}) survived SIGKILL`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true, or throws naming what was awaited. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

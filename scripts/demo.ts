/**
 * `npm run demo`: the whole product on one machine in a minute. Starts the local services, seeds slapd with
 * a sample company, starts the IAM emulator and `provisioner start` with examples/demo.yaml, runs a full
 * sync, prints the run summary and the dashboard's address and credentials. Ctrl-C stops what it started.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { Client } from "ldapts";
import { WORKER_NODE_FLAGS } from "../src/cli/node-flags.js";
import { formatRun, waitForRun } from "../src/cli/wait.js";
import { loadConfigFile } from "../src/config/load.js";
import { QueueContext } from "../src/queue/context.js";
import { requestRun } from "../src/queue/control.js";
import { startIamEmulator } from "../test/support/iam-emulator/index.js";
import { company, companyLdif } from "./demo-company.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONFIG = resolve(ROOT, "examples/demo.yaml");
const SERVICES = resolve(ROOT, "scripts/services.sh");
const BASE = "ou=acme,dc=example,dc=com";

function say(text: string) {
  process.stdout.write(`${text}\n`);
}

function servicesRunning(): Set<string> {
  const out = execFileSync("bash", [SERVICES, "status"], { encoding: "utf8" });
  return new Set(
    out
      .split("\n")
      .filter((l) => l.includes("running"))
      .map((l) => l.split(":")[0] as string),
  );
}

function exportServiceEnv() {
  const text = execFileSync("bash", [SERVICES, "env"], { encoding: "utf8" });
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)="(.*)"$/gm))
    if (!((m[1] as string) in process.env)) process.env[m[1] as string] = m[2];
}

/** Arguments of the OpenLDAP tools for the directory admin of scripts/services.sh. */
function adminArgs(): string[] {
  const env = process.env as Record<string, string>;
  return ["-x", "-H", env.LDAP_URL as string, "-D", env.LDAP_BIND_DN as string, "-w", env.LDAP_BIND_PASSWORD as string];
}

async function seedDirectory(): Promise<number> {
  const people = company(300);
  const client = new Client({ url: process.env.LDAP_URL as string });
  await client.bind(process.env.LDAP_BIND_DN as string, process.env.LDAP_BIND_PASSWORD as string);
  try {
    // A fresh company each time, so the demo always shows the same story.
    await client.search(BASE, { scope: "base" }).then(
      () => execFileSync("ldapdelete", ["-r", ...adminArgs(), BASE]),
      () => undefined,
    );
  } finally {
    await client.unbind();
  }
  execFileSync("ldapadd", adminArgs(), {
    input: companyLdif(BASE, people),
    stdio: ["pipe", "ignore", "inherit"],
  });
  return people.length;
}

async function clearDemoState(url: string, prefix: string) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
}

async function main() {
  const before = servicesRunning();
  say("• starting local Redis, OpenLDAP and MariaDB (scripts/services.sh up)");
  execFileSync("bash", [SERVICES, "up"], { stdio: "inherit" });
  const startedServices = ["redis", "slapd", "mariadb"].filter((s) => !before.has(s));
  exportServiceEnv();

  say("• seeding the directory with a sample company (ou=acme,dc=example,dc=com)");
  const people = await seedDirectory();
  say(`  ${people} people, 12 departments, nested groups, a few leavers, and 4 entries IAM must reject`);

  const emulator = await startIamEmulator({ port: Number(process.env.IAM_EMULATOR_PORT ?? 4566) });
  process.env.IAM_ENDPOINT = emulator.url;
  emulator
    .account(process.env.IAM_ACCESS_KEY_ID ?? "AKIADEMOACCOUNT00001")
    .seedUser({ userName: "breakglass", tags: { purpose: "emergency access" } });
  say(`• IAM emulator listening on ${emulator.url} (standing in for AWS)`);

  const { config } = loadConfigFile(CONFIG);
  await clearDemoState(config.redis.url, config.redis.prefix);

  let child: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("\n• stopping the demo");
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await emulator.close();
    if (startedServices.length) execFileSync("bash", [SERVICES, "down", ...startedServices], { stdio: "inherit" });
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  say("• starting `provisioner start --config examples/demo.yaml` (scheduler, workers, dashboard)");
  child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, resolve(ROOT, "bin/provisioner.js"), "start", "--config", CONFIG],
    {
      env: { ...process.env, PROVISIONER_FROM_SOURCE: "1" },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  child.once("exit", (code) => {
    if (!stopping) {
      say(`provisioner start exited (${code})`);
      void stop(1);
    }
  });

  const ctx = new QueueContext(config);
  try {
    await new Promise((r) => setTimeout(r, 1_500));
    say("• running a full sync of channel acme");
    const { runId } = await requestRun(ctx, { channel: "acme", mode: "full", trigger: "cli" });
    const run = await waitForRun(ctx.runs, runId, {
      progress: true,
      tty: process.stderr.isTTY === true,
      timeoutMs: 300_000,
    });
    say("");
    say(formatRun(run));
    const letters = await ctx.deadLetters.list({ channel: "acme" });
    if (letters.length) {
      say(`  dead letters (${letters.length}):`);
      for (const l of letters) say(`    ${l.userName ?? l.sourceId}: ${l.errorCode}: ${l.message}`);
    }
    const iam = emulator.account(process.env.IAM_ACCESS_KEY_ID ?? "AKIADEMOACCOUNT00001").snapshot();
    say(
      `  IAM now holds ${iam.users.length} users (the caller, breakglass, and the company) and ${iam.groups.length} groups`,
    );
    const d = config.dashboard;
    const operator = d.users.find((u) => u.role === "operator");
    say("");
    say(
      `Dashboard: http://${d.host}:${d.port}/  (sign in as ${operator?.name} / ${operator?.password}; read-only: viewer)`,
    );
    say("Try: edit a person in slapd and press 'Sync now', or 'Replay failed' after fixing a rejected entry.");
    say("Ctrl-C stops everything this demo started.");
  } finally {
    await ctx.close();
  }
  if (process.env.DEMO_EXIT_AFTER_SYNC) await stop(0);
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

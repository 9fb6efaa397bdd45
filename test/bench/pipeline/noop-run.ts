/**
 * Scenarios 3 and 4a: no-op incremental runs over the 20,000 entries of ou=bench-ldap-read (the data
 * store bench's directory, loaded once and kept), already synced once, timed one after another in a fresh
 * worker process, each against `ldapsearch -E pr=<page>/noprompt` over the same entries right after it;
 * that process's peak RSS.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { waitForRun } from "../../../src/cli/wait.js";
import { loadConfigText } from "../../../src/config/load.js";
import { createLogger } from "../../../src/log/logger.js";
import { QueueContext } from "../../../src/queue/context.js";
import { requestRun } from "../../../src/queue/control.js";
import { startWorkers } from "../../../workers/start.js";
import { services, uniqueName } from "../../support/env.js";
import { startIamEmulator } from "../../support/iam-emulator/index.js";
import { freshKey } from "../../support/iam-emulator/testing.js";
import { benchBase, ensureBenchEntries } from "../ldap-directory.js";
import { clearPrefix, forkChild, within } from "./common.js";

export interface NoopParams {
  entries: number;
  pageSize: number;
  /** Runs in the one worker process; the first is its first (cold code), the rest its steady state. */
  runs: number;
  /**
   * The channel reads groups (memberOf, from the same subtree, which holds none): the store then decodes
   * every entry and the plan skips after the read, the path a channel with groups takes.
   */
  groups?: boolean;
}

export interface NoopRunFigures {
  seconds: number;
  cpuSeconds: number;
  ldapsearchSeconds: number;
  run: { status: string; planned: number; unchanged?: number; skippedOnMemo?: number; counts: Record<string, number> };
}

export interface NoopResult {
  entries: number;
  /** Every run in order, each with the ldapsearch timed right after it. */
  runs: NoopRunFigures[];
  /** The process's first run (JIT-cold code, first connections). */
  firstSeconds: number;
  /** Median of the runs after the first: what a running worker spends on each scheduled no-op run. */
  steadySeconds: number;
  ldapsearchSeconds: number;
  firstRatio: number;
  steadyRatio: number;
  /** Every run completed, planned nothing, and (after the first sync) skipped everyone on their memo. */
  allNoop: boolean;
  maxRssMb: number;
  rssBeforeRunMb: number;
  eventLoopMaxMs: number;
  firstSyncSeconds: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export interface NoopSetup {
  file: string;
  total: number;
  firstSyncSeconds: number;
  close(): Promise<void>;
}

/** The directory, an emulated account, a configuration, and one first sync of everyone (untimed). */
export async function noopSetup(p: NoopParams, log: (s: string) => void): Promise<NoopSetup> {
  const base = benchBase();
  const total = await ensureBenchEntries(p.entries, log);
  const emu = await startIamEmulator({ usersQuota: total + 1_000 });
  const prefix = `{${uniqueName("bench-noop")}}`;
  const key = freshKey("noop");
  const dir = mkdtempSync(join(tmpdir(), "bench-noop-"));
  const file = join(dir, "provisioner.yaml");
  const close = async () => {
    await clearPrefix(services.redisUrl, prefix).catch(() => {});
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const config = {
    redis: { url: services.redisUrl, prefix },
    secrets: { key: "ab".repeat(32) },
    log: { level: "silent" },
    dataStores: {
      dir: {
        type: "ldap",
        url: services.ldapUrl,
        bindDn: services.ldapBindDn,
        bindPassword: services.ldapBindPassword,
        pageSize: p.pageSize,
      },
    },
    targets: {
      acct: {
        type: "aws-iam",
        endpoint: emu.url,
        credentials: { accessKeyId: key, secretAccessKey: "emulator-secret" },
        maxRequestsPerSecond: 10_000,
      },
    },
    channels: {
      everyone: {
        source: {
          dataStore: "dir",
          baseDn: base,
          filter: "(objectClass=inetOrgPerson)",
          ...(p.groups ? { groups: { from: "memberOf", baseDn: base, filter: "(objectClass=groupOfNames)" } } : {}),
        },
        target: "acct",
        mapping: {
          userName: "{{ uid }}",
          tags: { email: "{{ mail | lower | default('none') }}", name: "{{ cn | asciifold }}" },
        },
        options: { removeAction: "delete", groups: p.groups ?? false },
      },
    },
    provisioning: { concurrency: 64, attempts: 4, backoffMs: 200 },
  };
  writeFileSync(file, stringify(config));
  try {
    // The first sync, in this process. One account holds at most 5,000 IAM users (maxUsers ≤ 5,000 in the
    // schema); the emulator's quota and this process's maxUsers are lifted so 20,000 people can be synced
    // once. The timed run creates nobody, so the quota plays no part in it.
    const loaded = loadConfigText(stringify(config), "bench-noop.yaml", {});
    const acct = loaded.config.targets.acct;
    if (acct) acct.maxUsers = total + 1_000;
    const ctx = new QueueContext(loaded.config);
    const workers = await startWorkers(ctx, {
      roles: { snapshot: true, provision: true },
      logger: createLogger({ level: "silent" }),
    });
    log(`first sync of ${total} people (setup, untimed)`);
    const t0 = performance.now();
    let first: Awaited<ReturnType<typeof waitForRun>>;
    try {
      const { runId } = await requestRun(ctx, { channel: "everyone", mode: "incremental", trigger: "cli" });
      first = await waitForRun(ctx.runs, runId, { pollMs: 200, timeoutMs: 600_000 });
    } finally {
      await workers.close();
      await ctx.close();
    }
    const firstSyncSeconds = (performance.now() - t0) / 1000;
    if (first.status !== "completed" || (first.counts.created ?? 0) !== total)
      throw new Error(`first sync: ${first.status}, ${JSON.stringify(first.counts)}`);

    return { file, total, firstSyncSeconds, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The timed no-op runs, in a fresh worker process. */
export async function noopTimed(setup: NoopSetup, runs: number): Promise<NoopResult> {
  const child = forkChild("noop-run", setup.file, [String(runs)]);
  try {
    const msg = await within(600_000, "no-op run", child.next<{ result: Record<string, unknown> }>("result", 600_000));
    const r = msg.result as unknown as {
      runs: (NoopRunFigures & { entries: number })[];
      maxRssMb: number;
      rssBeforeRunMb: number;
      eventLoopMaxMs: number;
    };
    for (const x of r.runs)
      if (x.entries !== setup.total) throw new Error(`ldapsearch saw ${x.entries}, expected ${setup.total}`);
    await child.exit(10_000);
    const first = r.runs[0] as NoopRunFigures;
    const steadySeconds = median(r.runs.slice(1).map((x) => x.seconds));
    const ldapsearchSeconds = median(r.runs.map((x) => x.ldapsearchSeconds));
    return {
      entries: setup.total,
      runs: r.runs.map(({ seconds, cpuSeconds, ldapsearchSeconds, run }) => ({
        seconds: +seconds.toFixed(3),
        cpuSeconds: +cpuSeconds.toFixed(3),
        ldapsearchSeconds: +ldapsearchSeconds.toFixed(3),
        run,
      })),
      firstSeconds: first.seconds,
      steadySeconds,
      ldapsearchSeconds,
      firstRatio: first.seconds / ldapsearchSeconds,
      steadyRatio: steadySeconds / ldapsearchSeconds,
      allNoop: r.runs.every(
        (x) => x.run.status === "completed" && x.run.planned === 0 && x.run.skippedOnMemo === setup.total,
      ),
      maxRssMb: r.maxRssMb,
      rssBeforeRunMb: r.rssBeforeRunMb,
      eventLoopMaxMs: r.eventLoopMaxMs,
      firstSyncSeconds: setup.firstSyncSeconds,
    };
  } finally {
    child.kill();
  }
}

export async function noopRun(p: NoopParams, log: (s: string) => void): Promise<NoopResult> {
  const setup = await noopSetup(p, log);
  try {
    log("no-op incremental run in a fresh worker process");
    return await noopTimed(setup, p.runs);
  } finally {
    await setup.close();
  }
}

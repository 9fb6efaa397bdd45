import type { Command } from "commander";
import { configPath, loadConfigFile } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import type { Config } from "../config/schema.js";
import { ConfigError } from "../errors/ConfigError.js";
import { createRedis, redactUrl, waitReady } from "../queue/connection.js";
import { openDataStore } from "../sources/index.js";
import type { GroupStateEntry } from "../sync/group-plan.js";
import { mappingAttributes } from "../sync/mapping.js";
import { planRun } from "../sync/plan.js";
import { toPlanJson } from "../sync/plan-json.js";
import { renderPlanText } from "../sync/plan-text.js";
import { parseSecretKey } from "../sync/secrets.js";
import { StateStore } from "../sync/state-store.js";
import type { PasswordPolicy } from "../targets/aws-iam/names.js";
import { createAwsIamTarget } from "../targets/aws-iam/target.js";
import type { AppliedUser, ObservedState } from "../types.js";

/**
 * `provisioner plan CHANNEL [--full] [--json]`: what a run would do, computed exactly as the snapshot
 * computes it, and written nowhere (Redis and AWS are only read). Exit 0 ready, 3 blocked, 1 failed.
 */
export interface PlanCommandOptions {
  config?: string;
  full?: boolean;
  json?: boolean;
  allowDeletions?: boolean;
}

export interface PlanIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const EXIT = { ready: 0, failed: 1, blocked: 3 } as const;

export async function runPlanCommand(channelName: string, opts: PlanCommandOptions, io: PlanIo): Promise<number> {
  const started = Date.now();
  let config: Config;
  try {
    config = loadConfigFile(configPath(opts.config)).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`${err.file}: ${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}`);
    for (const p of err.problems) io.err(`  ${formatProblem(p)}`);
    return EXIT.failed;
  }
  const channel = config.channels[channelName];
  if (!channel) {
    const known = Object.keys(config.channels);
    io.err(`unknown channel "${channelName}"${known.length ? ` (known: ${known.join(", ")})` : ""}`);
    return EXIT.failed;
  }
  const storeConfig = config.dataStores[channel.source.dataStore];
  const targetConfig = config.targets[channel.target];
  if (!storeConfig || !targetConfig) {
    io.err(`channel "${channelName}" names a data store or target that is not configured`);
    return EXIT.failed;
  }

  const secretKey = parseSecretKey(config.secrets.key);
  const redis = createRedis(config.redis.url, "producer");
  redis.on("error", () => {});
  const dataStore = openDataStore(storeConfig, channel.source, { attributes: mappingAttributes(channel) });
  try {
    let applied = new Map<string, AppliedUser>();
    let groupState = new Map<string, GroupStateEntry>();
    // The preview skips unchanged people on their memos as the run does (it never writes any).
    let memos = new Map<string, string>();
    try {
      await waitReady(redis);
      const store = new StateStore(redis, { prefix: config.redis.prefix, ...(secretKey ? { secretKey } : {}) });
      applied = await store.loadApplied(channel.name);
      groupState = await store.loadGroups(channel.name);
      memos = await store.loadMemos(channel.name);
    } catch (err) {
      // A full plan compares with AWS itself; only an incremental one cannot do without applied state.
      if (!opts.full) throw err;
      io.err(
        `warning: no applied state (${redactUrl(config.redis.url)}: ${(err as Error).message}); planning against AWS alone`,
      );
    }

    let observed: ObservedState | undefined;
    let passwordPolicy: PasswordPolicy | "default" | undefined;
    const protectedUsers = [...targetConfig.protectedUsers];
    // The account reads the snapshot plans with, so the preview refuses what the run would; without --full
    // an unreachable account is a warning, not a failed preview.
    const target = createAwsIamTarget(channel.target, targetConfig);
    try {
      if (opts.full) {
        const me = await target.verify();
        if (me.userName) protectedUsers.push(me.userName);
      }
      const reads = await target.readAccount({
        observed: opts.full === true,
        // An incremental preview reads no more of AWS than the password policy it must check.
        users: false,
        passwordPolicy: channel.mapping.loginProfile !== undefined,
      });
      ({ observed, passwordPolicy } = reads);
    } catch (err) {
      if (opts.full) throw err;
      io.err(`warning: passwords not checked against the account's policy (${(err as Error).message})`);
    } finally {
      target.destroy();
    }

    const result = await planRun({
      channel,
      mode: opts.full ? "full" : "incremental",
      source: dataStore,
      applied,
      memos,
      groupState,
      protectedUsers,
      maxUsers: targetConfig.maxUsers,
      allowDeletions: opts.allowDeletions ?? false,
      ...(observed ? { observed } : {}),
      ...(secretKey ? { secretKey } : {}),
      ...(passwordPolicy !== undefined ? { passwordPolicy } : {}),
    });
    const plan = result.plan;
    if (opts.json) {
      const json = toPlanJson(plan, {
        generatedAt: new Date().toISOString(),
        durationMs: Date.now() - started,
        ...(observed
          ? { observed: { readAt: observed.readAt, users: observed.users.length, calls: observed.calls } }
          : {}),
      });
      io.out(JSON.stringify(json, null, 2));
    } else {
      for (const line of renderPlanText(plan)) io.out(line);
    }
    return EXIT[plan.status];
  } catch (err) {
    io.err(`plan ${channelName} failed: ${(err as Error).message}`);
    return EXIT.failed;
  } finally {
    await dataStore.close().catch(() => {});
    redis.disconnect();
  }
}

export function registerPlanCommand(program: Command): void {
  program
    .command("plan")
    .description("show what a run of CHANNEL would change, without writing anything")
    .argument("<channel>", "channel name")
    .option("-c, --config <file>", "configuration file (env PROVISIONER_CONFIG, default ./provisioner.yaml)")
    .option("--full", "compare with AWS as read now (GetAccountAuthorizationDetails) instead of applied state")
    .option("--json", "print the plan as JSON (schema: src/sync/plan-json.ts)")
    .option("--allow-deletions", "show the plan as if removals over the guard were approved")
    .action(async (channel: string, opts: PlanCommandOptions) => {
      const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) };
      process.exitCode = await runPlanCommand(channel, { ...opts, config: opts.config ?? program.opts().config }, io);
    });
}

import type { Command } from "commander";
import { configPath, loadConfigFile } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import { ConfigError } from "../errors/ConfigError.js";
import { describeChannel } from "./describe.js";

export interface CheckOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** `provisioner config check`: every problem at once, or one line per channel. Returns the exit code. */
export async function configCheck(
  file: string,
  opts: { online?: boolean },
  io: CheckOutput,
  online?: (loaded: ReturnType<typeof loadConfigFile>) => Promise<string[]>,
): Promise<number> {
  let loaded: ReturnType<typeof loadConfigFile>;
  try {
    loaded = loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(`${err.file}: ${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}`);
      for (const p of err.problems) io.err(`  ${formatProblem(p)}`);
      return 1;
    }
    throw err;
  }
  const channels = Object.values(loaded.config.channels);
  io.out(`${file}: ok, ${channels.length} channel${channels.length === 1 ? "" : "s"}`);
  for (const channel of channels) io.out(`  ${describeChannel(loaded.config, channel)}`);
  if (opts.online && online) {
    const failures = await online(loaded);
    for (const f of failures) io.err(`  ${f}`);
    if (failures.length > 0) return 1;
  }
  return 0;
}

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("work with the configuration file");
  config
    .command("check")
    .description("validate the configuration and report every problem with its YAML path")
    .option("-c, --config <file>", "configuration file (env PROVISIONER_CONFIG, default ./provisioner.yaml)")
    .option("--online", "also connect to every data store and verify every target's credentials")
    .action(async (opts: { config?: string; online?: boolean }) => {
      const file = configPath(opts.config ?? program.opts().config);
      const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) };
      const online = opts.online ? (await import("./online-check.js")).onlineCheck : undefined;
      process.exitCode = await configCheck(file, opts, io, online);
    });
}

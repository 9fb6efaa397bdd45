import type { Command } from "commander";
import pino, { type Logger } from "pino";
import { configPath, type LoadedConfig, loadConfigFile } from "../config/load.js";
import { formatProblem } from "../config/problems.js";
import { ConfigError } from "../errors/ConfigError.js";
import { createLogger } from "../log/logger.js";

/** Exit codes every command shares (DESIGN.md §9). */
export const EXIT = { ok: 0, error: 1, deadLettered: 2, blocked: 3 } as const;

/** Loads the configuration named by --config / PROVISIONER_CONFIG, or prints every problem and exits 1. */
export function loadForCommand(cmd: Command): LoadedConfig {
  const opts = cmd.optsWithGlobals() as { config?: string };
  const file = configPath(opts.config);
  try {
    return loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${err.file}: ${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}`);
      for (const p of err.problems) console.error(`  ${formatProblem(p)}`);
      process.exit(EXIT.error);
    }
    throw err;
  }
}

/**
 * Long-running roles log to stdout (one JSON line per action, for the log pipeline). One-shot commands
 * log to stderr, so their stdout stays the run summary (or the JSON a script parses).
 */
export function loggerFor(loaded: LoadedConfig, name?: string, opts: { stderr?: boolean } = {}): Logger {
  return createLogger({
    level: loaded.config.log.level,
    secretValues: loaded.secrets,
    ...(name ? { name } : {}),
    ...(opts.stderr ? { destination: pino.destination(2) } : {}),
  });
}

/** Prints an error without a stack (operators read it), and sets the exit code. */
export function fail(message: string, code: number = EXIT.error): never {
  console.error(`error: ${message}`);
  process.exit(code);
}

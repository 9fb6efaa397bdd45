import { type ConfigProblem, formatProblem } from "../config/problems.js";

/** The configuration cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
    );
  }
}

import { closest, distance } from "fastest-levenshtein";

/** One thing wrong with a configuration file, located by its YAML path. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
  /** A likely fix, when one is. */
  fix?: string;
  /** Line in the YAML file, when the path leads to one. */
  line?: number;
}

/** `channels.engineering.source.dataStore`, with list indexes as `[2]`. */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(top level)";
}

export function formatProblem(p: ConfigProblem): string {
  return `${formatPath(p.path)}: ${p.message}${p.fix ? ` (${p.fix})` : ""}${p.line ? ` [line ${p.line}]` : ""}`;
}

/** The candidate nearest to `word` when it is plausibly a typo of it. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = word.toLowerCase();
  const exactCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactCase) return exactCase;
  const best = closest(word, candidates as string[]);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses an interval such as "15m", "1h30m", "45s" or a number of milliseconds. */
export function parseInterval(
  value: string | number,
): { ms: number; error?: undefined } | { ms?: undefined; error: string } {
  if (typeof value === "number") {
    return Number.isInteger(value) && value > 0
      ? { ms: value }
      : { error: "must be a positive whole number of milliseconds" };
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return parseInterval(Number(text));
  const parts = [...text.matchAll(/(\d+)\s*(ms|s|m|h|d)/g)];
  const consumed = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || consumed.replace(/\s/g, "") !== text.replace(/\s/g, "")) {
    return { error: `"${value}" is not an interval (use e.g. "30s", "15m", "1h", "1h30m")` };
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] as string] ?? 0), 0);
  if (ms < 1_000) return { error: `"${value}" is shorter than one second` };
  return { ms };
}

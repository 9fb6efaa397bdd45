/**
 * MySQL rows → source attributes. Every column becomes an attribute under its lower-cased name; NULL
 * means absent, the way LDAP has no value, so mappings treat both stores alike.
 */

const TRUTHY = new Set(["1", "true", "yes", "y"]);

/** The disabled column's truth: 1, '1', 'true', 'yes', 'y' (any case), TRUE, BIT(1) b'1'. */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number" || typeof value === "bigint") return Number(value) === 1;
  if (Buffer.isBuffer(value)) return value.length > 0 && value.every((b, k) => b === (k === value.length - 1 ? 1 : 0));
  return TRUTHY.has(String(value).trim().toLowerCase());
}

export function valueText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(value);
    } catch {
      return value.toString("base64");
    }
  }
  return JSON.stringify(value);
}

export function rowAttributes(row: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [column, value] of Object.entries(row)) {
    const text = valueText(value);
    if (text !== undefined) out[column.toLowerCase()] = [text];
  }
  return out;
}

/** A column's value, matching its name ignoring case (queries alias columns however they like). */
export function column(row: Record<string, unknown>, name: string): unknown {
  if (name in row) return row[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(row)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/**
 * Job data holds only ids by design (DESIGN.md §4), but the dashboard shows whatever is in Redis, and a
 * future job kind or a hand-added job could carry a secret. Anything under a key that looks secret is
 * replaced before it reaches bull-board's UI or an API response.
 */
// "key" only at the end of a name (secretKey, apiKey, key) so ids such as "keyspace" stay readable.
const SECRET_KEY = /password|passwd|secret|token|credential|authorization|cookie|private|key$/i;

export const REDACTED = "[REDACTED]";

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 20) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = isSecretKey(k) ? REDACTED : redactDeep(v, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * IAM-style paging. The marker names the last key returned (not an offset), so deleting entities
 * between pages neither skips nor repeats the rest, like a real continuation token.
 */
import { err, type Params } from "./protocol.js";
import { checkMaxItems } from "./rules.js";

export interface PagingConfig {
  /** Fraction of MaxItems a page may hold while more remain; 1 = always full pages. */
  pageCut: number;
}

export interface Page<T> {
  items: T[];
  IsTruncated: boolean;
  Marker?: string | undefined;
}

function encode(key: string): string {
  return Buffer.from(JSON.stringify({ k: key })).toString("base64url");
}

function decode(marker: string): string {
  try {
    const v: unknown = JSON.parse(Buffer.from(marker, "base64url").toString("utf8"));
    if (v && typeof v === "object" && "k" in v && typeof v.k === "string") return v.k;
  } catch {
    // fall through: IAM answers a marker it did not issue as invalid input
  }
  throw err.validation(
    `1 validation error detected: Value '${marker}' at 'marker' failed to satisfy constraint: Invalid marker`,
  );
}

/** `key` must be unique; items are served in ascending key order. */
export function page<T>(unsorted: T[], key: (t: T) => string, params: Params, cfg: PagingConfig): Page<T> {
  const items = unsorted.map((t) => ({ t, k: key(t) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const max = checkMaxItems(params.int("MaxItems"));
  const marker = params.str("Marker");
  let start = 0;
  if (marker !== undefined) {
    const after = decode(marker);
    start = items.findIndex((x) => x.k > after);
    if (start < 0) start = items.length;
  }
  const remaining = items.length - start;
  let size = Math.min(max, remaining);
  // A deterministic short page: only while more would remain, so the last page is never cut.
  if (cfg.pageCut < 1 && remaining > max) size = Math.max(1, Math.floor(max * cfg.pageCut));
  const slice = items.slice(start, start + size);
  const truncated = start + size < items.length;
  const last = slice[slice.length - 1];
  return {
    items: slice.map((x) => x.t),
    IsTruncated: truncated,
    Marker: truncated && last !== undefined ? encode(last.k) : undefined,
  };
}

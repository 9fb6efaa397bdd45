import type { Entry } from "ldapts";
import { guidToString, sidToString } from "./guid.js";

/**
 * ldapts entries → plain attribute maps: lower-cased names, every value a string. Binary identifiers
 * get their canonical text (objectGUID, objectSid); other binary values become base64.
 */

/** Attributes ldapts must hand over as raw bytes; it matches names case-sensitively, hence the variants. */
export function bufferAttributes(extra: string[]): string[] {
  const names = ["objectGUID", "objectSid", ...extra];
  return [...new Set(names.flatMap((n) => [n, n.toLowerCase()]))];
}

function baseName(type: string): string {
  return type.split(";")[0]?.toLowerCase() ?? type.toLowerCase();
}

function decodeBinary(type: string, value: Buffer): string {
  const base = baseName(type);
  if (base === "objectguid") return guidToString(value);
  if (base === "objectsid") return sidToString(value);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(value);
  } catch {
    return value.toString("base64");
  }
}

function decodeText(type: string, value: string): string {
  // A binary identifier that happened to be valid UTF-8 arrives as text; its bytes are intact.
  const base = baseName(type);
  if (base === "objectguid") return guidToString(Buffer.from(value, "utf8"));
  return value;
}

/**
 * The entry's attributes by lower-cased description (range options kept, e.g. `member;range=0-1499`).
 * Attributes with no values are left out: absent, not empty. Throws on an undecodable identifier.
 */
export function entryAttributes(entry: Entry): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [type, raw] of Object.entries(entry)) {
    if (type === "dn") continue;
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.length === 0) continue;
    const decoded = values.map((v) => (Buffer.isBuffer(v) ? decodeBinary(type, v) : decodeText(type, v as string)));
    const key = type.toLowerCase();
    out[key] = [...(out[key] ?? []), ...decoded];
  }
  return out;
}

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

/**
 * The entry as one string, in the order the server sent it, for fingerprints (src/sync/memo.ts). Every
 * name and value is length-prefixed, so no value can pass for another layout of the entry.
 */
export function entryText(entry: Entry): string {
  let text = "";
  for (const type in entry) {
    const raw = entry[type];
    text += `${type.length}:${type}`;
    const values = Array.isArray(raw) ? raw : [raw];
    text += `${values.length}[`;
    for (const v of values) {
      const s = Buffer.isBuffer(v) ? `b${v.toString("base64")}` : `s${v}`;
      text += `${s.length}:${s}`;
    }
  }
  return text;
}

/** One attribute's decoded values (any case of its name), as entryAttributes would give them. */
export function attributeValues(entry: Entry, lowerName: string, found?: (type: string) => void): string[] {
  const out: string[] = [];
  for (const type in entry) {
    if (type === "dn" || type.toLowerCase() !== lowerName) continue;
    found?.(type);
    const raw = entry[type];
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      out.push(Buffer.isBuffer(v) ? decodeBinary(type, v) : decodeText(type, v as string));
    }
  }
  return out;
}

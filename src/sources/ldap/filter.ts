import {
  ApproximateFilter,
  EqualityFilter,
  ExtensibleFilter,
  type Filter,
  FilterParser,
  GreaterThanEqualsFilter,
  LessThanEqualsFilter,
  SubstringFilter,
} from "ldapts";

/**
 * RFC 4515 search filters. Every value that goes into a filter passes through escapeFilterValue, so a
 * name like `a*)(uid=*` can never widen a search; builders check attribute names for the same reason.
 */

/** LDAP_MATCHING_RULE_IN_CHAIN: Active Directory walks nested membership server-side. */
export const IN_CHAIN_RULE = "1.2.840.113556.1.4.1941";

const ATTRIBUTE_RE = /^[A-Za-z][A-Za-z0-9-]*(?:;[A-Za-z0-9-=]+)*$|^\d+(?:\.\d+)+$/;

function hex(byte: number): string {
  return `\\${byte.toString(16).padStart(2, "0")}`;
}

/** Escapes `*` `(` `)` `\` NUL and every non-ASCII byte (as UTF-8) to `\XX`; binary values escape every byte. */
export function escapeFilterValue(value: string | Uint8Array): string {
  if (typeof value !== "string") return Array.from(value, hex).join("");
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (code > 0x7f) out += Array.from(Buffer.from(ch, "utf8"), hex).join("");
    else if (ch === "*" || ch === "(" || ch === ")" || ch === "\\" || code === 0) out += hex(code);
    else out += ch;
  }
  return out;
}

function checkAttribute(attribute: string): string {
  if (!ATTRIBUTE_RE.test(attribute)) throw new Error(`not an LDAP attribute name: ${JSON.stringify(attribute)}`);
  return attribute;
}

export function equals(attribute: string, value: string | Uint8Array): string {
  return `(${checkAttribute(attribute)}=${escapeFilterValue(value)})`;
}

export function present(attribute: string): string {
  return `(${checkAttribute(attribute)}=*)`;
}

/** `(&...)` of the parts; one part stands alone, and an empty list is an error, not "match all". */
export function and(...parts: string[]): string {
  if (parts.length === 0) throw new Error("empty AND filter");
  return parts.length === 1 ? (parts[0] as string) : `(&${parts.join("")})`;
}

export function or(...parts: string[]): string {
  if (parts.length === 0) throw new Error("empty OR filter");
  return parts.length === 1 ? (parts[0] as string) : `(|${parts.join("")})`;
}

/** `(member:1.2.840.113556.1.4.1941:=<dn>)`: entries whose attribute reaches dn through any nesting. */
export function inChain(attribute: string, dn: string): string {
  return `(${checkAttribute(attribute)}:${IN_CHAIN_RULE}:=${escapeFilterValue(dn)})`;
}

/** Wraps a configured filter so it can be combined; a bare `uid=x` gains its parentheses. */
export function wrapFilter(filter: string): string {
  const f = filter.trim();
  return f.startsWith("(") ? f : `(${f})`;
}

/**
 * Parses a filter string for ldapts. ldapts's own parser turns each `\XX` into one UTF-16 unit, which
 * mangles escaped UTF-8 and binary values on the wire; so literal non-ASCII is escaped first (making
 * every value a byte string), and each parsed value is turned back into exact bytes.
 */
export function toLdapFilter(filter: string): Filter {
  const parsed = FilterParser.parseString(escapeNonAscii(wrapFilter(filter)));
  fixValues(parsed);
  return parsed;
}

function escapeNonAscii(filter: string): string {
  let out = "";
  for (const ch of filter) {
    out += (ch.codePointAt(0) as number) > 0x7f ? Array.from(Buffer.from(ch, "utf8"), hex).join("") : ch;
  }
  return out;
}

function bytesOf(value: string): Buffer {
  return Buffer.from(value, "latin1");
}

function asText(value: string): string {
  return bytesOf(value).toString("utf8");
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

function fixValues(filter: Filter): void {
  const f = filter as Filter & { filters?: Filter[]; filter?: Filter };
  if (f.filters) for (const child of f.filters) fixValues(child);
  if (f.filter) fixValues(f.filter);
  if (filter instanceof EqualityFilter && typeof filter.value === "string") {
    const bytes = bytesOf(filter.value);
    // Binary (e.g. an objectGUID) goes out as raw octets; text as the same bytes via UTF-8.
    filter.value = isUtf8(bytes) ? bytes.toString("utf8") : bytes;
  } else if (
    filter instanceof ApproximateFilter ||
    filter instanceof GreaterThanEqualsFilter ||
    filter instanceof LessThanEqualsFilter ||
    filter instanceof ExtensibleFilter
  ) {
    filter.value = asText(filter.value);
  } else if (filter instanceof SubstringFilter) {
    filter.initial = asText(filter.initial);
    filter.final = asText(filter.final);
    filter.any = filter.any.map(asText);
  }
}

/**
 * RFC 4514 distinguished names: parse, normalise, compare. Servers re-escape DNs freely (`\2C` vs `\,`,
 * `#`-hex BER values, case of attribute types, spaces around separators, order inside a multi-valued
 * RDN), so group membership is matched on the normalised form, never on the string as received.
 */

export interface Ava {
  /** Attribute type as written (descriptor or numeric OID). */
  type: string;
  /** Unescaped value; a `#`-hex value that is not a BER string stays `#` + lower-case hex. */
  value: string;
  /** Set when value is that `#`-hex form, so it is never confused with text starting with `#`. */
  hex?: true;
}

export type Rdn = Ava[];

export class DnSyntaxError extends Error {
  override readonly name = "DnSyntaxError";
}

/** Common OIDs, so `2.5.4.3=x` and `cn=x` normalise alike. */
const OID_NAMES: Record<string, string> = {
  "2.5.4.3": "cn",
  "2.5.4.6": "c",
  "2.5.4.7": "l",
  "2.5.4.8": "st",
  "2.5.4.10": "o",
  "2.5.4.11": "ou",
  "2.5.4.9": "street",
  "0.9.2342.19200300.100.1.1": "uid",
  "0.9.2342.19200300.100.1.25": "dc",
};

const TYPE_RE = /^(?:[A-Za-z][A-Za-z0-9-]*|(?:oid\.)?\d+(?:\.\d+)*)$/i;
const HEX_RE = /^[0-9a-fA-F]{2}$/;

/** Parses a DN string into RDNs, leftmost first. Lenient where RFC 1779/2253 writers were: spaces, `;`, quotes. */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  let i = 0;
  const n = dn.length;
  const skipSpaces = () => {
    while (i < n && dn[i] === " ") i++;
  };
  skipSpaces();
  if (i === n) return rdns;
  let rdn: Rdn = [];
  for (;;) {
    skipSpaces();
    const eq = dn.indexOf("=", i);
    if (eq < 0) throw new DnSyntaxError(`missing "=" in DN ${JSON.stringify(dn)}`);
    const type = dn.slice(i, eq).trim();
    if (!TYPE_RE.test(type))
      throw new DnSyntaxError(`bad attribute type ${JSON.stringify(type)} in DN ${JSON.stringify(dn)}`);
    i = eq + 1;
    skipSpaces();
    let value: string;
    let hex = false;
    const plain = dn[i] === "#" || dn[i] === '"' ? -1 : plainValueEnd(dn, i);
    if (dn[i] === "#") {
      const start = ++i;
      while (i < n && /[0-9a-fA-F]/.test(dn[i] as string)) i++;
      const decoded = decodeBerHex(dn.slice(start, i), dn);
      value = decoded ?? `#${dn.slice(start, i).toLowerCase()}`;
      hex = decoded === undefined;
      skipSpaces();
    } else if (dn[i] === '"') {
      i++;
      const bytes: number[] = [];
      while (i < n && dn[i] !== '"') i = readChar(dn, i, bytes);
      if (i >= n) throw new DnSyntaxError(`unterminated quote in DN ${JSON.stringify(dn)}`);
      i++;
      value = decodeUtf8(bytes, dn);
      skipSpaces();
    } else if (plain >= 0) {
      // The common case, no escapes: the value is the text itself less its unescaped trailing spaces.
      let end = plain;
      while (end > i && dn.charCodeAt(end - 1) === 0x20) end--;
      value = dn.slice(i, end);
      i = plain;
    } else {
      const bytes: number[] = [];
      let significant = 0;
      while (i < n && !",+;".includes(dn[i] as string)) {
        const plain = dn[i] !== "\\";
        i = readChar(dn, i, bytes);
        // Unescaped trailing spaces are insignificant; an escaped one (`\ `) is part of the value.
        if (!plain || bytes[bytes.length - 1] !== 0x20) significant = bytes.length;
      }
      value = decodeUtf8(bytes.slice(0, significant), dn);
    }
    rdn.push(hex ? { type, value, hex: true } : { type, value });
    if (i >= n) break;
    const sep = dn[i];
    i++;
    if (sep === ",") {
      rdns.push(rdn);
      rdn = [];
    } else if (sep === ";") {
      rdns.push(rdn);
      rdn = [];
    } else if (sep !== "+") {
      throw new DnSyntaxError(`unexpected ${JSON.stringify(sep)} in DN ${JSON.stringify(dn)}`);
    }
  }
  rdns.push(rdn);
  return rdns;
}

/**
 * Where an unquoted value starting at i ends (the next `,` `+` `;` or the end), when it holds no escape and
 * no UTF-16 surrogate (whose lone halves the byte-wise reader replaces); -1 when it needs that reader.
 */
function plainValueEnd(dn: string, i: number): number {
  const n = dn.length;
  for (let k = i; k < n; k++) {
    const c = dn.charCodeAt(k);
    if (c === 0x2c || c === 0x2b || c === 0x3b) return k;
    if (c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return -1;
  }
  return n;
}

/** Reads one (possibly escaped) character at i into bytes; returns the next index. */
function readChar(dn: string, i: number, bytes: number[]): number {
  const c = dn[i] as string;
  if (c !== "\\") {
    const cp = dn.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    for (const b of Buffer.from(ch, "utf8")) bytes.push(b);
    return i + ch.length;
  }
  const pair = dn.slice(i + 1, i + 3);
  if (HEX_RE.test(pair)) {
    bytes.push(Number.parseInt(pair, 16));
    return i + 3;
  }
  const next = dn[i + 1];
  if (next === undefined) throw new DnSyntaxError(`dangling "\\" in DN ${JSON.stringify(dn)}`);
  for (const b of Buffer.from(next, "utf8")) bytes.push(b);
  return i + 2;
}

function decodeUtf8(bytes: number[], dn: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes));
  } catch {
    throw new DnSyntaxError(`value is not UTF-8 in DN ${JSON.stringify(dn)}`);
  }
}

/** `#`-hex values carry a BER encoding; the string types decode to their text so they match the plain form. */
function decodeBerHex(hex: string, dn: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0) throw new DnSyntaxError(`bad #hex value in DN ${JSON.stringify(dn)}`);
  const buf = Buffer.from(hex, "hex");
  const tag = buf[0];
  const len = buf[1];
  // Short-form lengths only: DN values long enough to need the long form are not strings in practice.
  if (len !== undefined && len < 0x80 && buf.length === 2 + len) {
    const body = buf.subarray(2);
    if (tag === 0x0c || tag === 0x13 || tag === 0x16 || tag === 0x04) {
      try {
        return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
      } catch {
        // Not text: fall through to the hex form.
      }
    } else if (tag === 0x14) {
      return body.toString("latin1");
    } else if (tag === 0x1e) {
      return body.swap16().toString("utf16le");
    }
  }
  return undefined;
}

function normalizeType(type: string): string {
  const t = type.toLowerCase().replace(/^oid\./, "");
  return OID_NAMES[t] ?? t;
}

/** Case-ignore matching with insignificant spaces, as the naming attributes (cn, ou, dc, uid) compare. */
function normalizeValue(value: string): string {
  // Printable ASCII is its own NFKC form: skip the (costly) normalisation for it.
  const folded = PRINTABLE_ASCII.test(value) ? value : value.normalize("NFKC");
  return folded.toLowerCase().trim().replace(/\s+/g, " ");
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** RFC 4514 §2.4 escaping, for writing a value back into a DN. */
export function escapeDnValue(value: string): string {
  let out = "";
  for (let k = 0; k < value.length; k++) {
    const c = value[k] as string;
    if ('"+,;<>\\='.includes(c)) out += `\\${c}`;
    else if (c === "\0") out += "\\00";
    else if ((k === 0 && (c === " " || c === "#")) || (k === value.length - 1 && c === " ")) out += `\\${c}`;
    else out += c;
  }
  return out;
}

export function formatDn(rdns: Rdn[]): string {
  return rdns
    .map((rdn) => rdn.map((ava) => `${ava.type}=${ava.hex ? ava.value : escapeDnValue(ava.value)}`).join("+"))
    .join(",");
}

/** The comparable form of a DN: lower-case types and values, multi-valued RDNs sorted, one escaping. */
export function normalizeDn(dn: string): string {
  // Entries of one search share their parent DN: normalise the leaf RDN alone and the parent once.
  const comma = simpleLeafEnd(dn);
  if (comma > 0) {
    const parent = dn.slice(comma + 1);
    if (parent.trim() !== "") {
      try {
        let normalParent = parentCache.get(parent);
        if (normalParent === undefined) {
          normalParent = normalizeFull(parent);
          if (parentCache.size >= PARENT_CACHE_MAX) parentCache.clear();
          parentCache.set(parent, normalParent);
        }
        return `${normalizeFull(dn.slice(0, comma))},${normalParent}`;
      } catch {
        // Reported against the whole DN, below.
      }
    }
  }
  return normalizeFull(dn);
}

const parentCache = new Map<string, string>();
const PARENT_CACHE_MAX = 1_000;

/**
 * The index of the comma ending the leaf RDN, when that RDN is one plain AVA (no escape, quote, `#` value,
 * `+` or `;`), so that it normalises the same alone as within the DN; -1 otherwise.
 */
function simpleLeafEnd(dn: string): number {
  for (let k = 0; k < dn.length; k++) {
    const c = dn.charCodeAt(k);
    if (c === 0x2c) return k;
    if (c === 0x5c || c === 0x22 || c === 0x23 || c === 0x2b || c === 0x3b || (c >= 0xd800 && c <= 0xdfff)) return -1;
  }
  return -1;
}

function normalizeFull(dn: string): string {
  const rdns = parseDn(dn).map((rdn) =>
    rdn
      .map(
        (ava): Ava => ({
          ...ava,
          type: normalizeType(ava.type),
          value: ava.hex ? ava.value : normalizeValue(ava.value),
        }),
      )
      .sort((a, b) => (a.type === b.type ? cmp(a.value, b.value) : cmp(a.type, b.type))),
  );
  return formatDn(rdns);
}

/** normalizeDn, or undefined for a DN that does not parse (the caller counts it as a problem). */
export function tryNormalizeDn(dn: string): string | undefined {
  try {
    return normalizeDn(dn);
  } catch {
    return undefined;
  }
}

export function dnEquals(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

/** The value of the first AVA of the leftmost RDN (`cn=Admins,ou=x` → `Admins`), as written. */
export function leafValue(dn: string): string | undefined {
  return parseDn(dn)[0]?.[0]?.value;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

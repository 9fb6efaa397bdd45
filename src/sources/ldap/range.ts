/**
 * Active Directory ranged retrieval: a multi-valued attribute larger than MaxValRange (1,500 by
 * default) comes back as `member;range=0-1499` with no plain `member`, and the rest has to be asked
 * for with `member;range=1500-*` until a reply ends in `*`. Stopping early would drop group members.
 */

export interface RangedType {
  /** The attribute description without its range option (other options kept). */
  attribute: string;
  low: number;
  /** `*` marks the last slice. */
  high: number | "*";
}

const RANGE_OPTION_RE = /;range=(\d+)-(\d+|\*)(?=;|$)/i;

/** `member;range=0-1499` → {attribute: "member", low: 0, high: 1499}; undefined without a range option. */
export function parseRangedType(type: string): RangedType | undefined {
  const m = RANGE_OPTION_RE.exec(type);
  if (!m) return undefined;
  const attribute = type.slice(0, m.index) + type.slice(m.index + m[0].length);
  return { attribute, low: Number(m[1]), high: m[2] === "*" ? "*" : Number(m[2]) };
}

/** Reads one entry's attribute with a range option; returns what came back, by attribute description. */
export type RangeFetch = (dn: string, requestType: string) => Promise<Record<string, string[]>>;

/** One reply in 10,000 slices would be 15 million values: beyond that, assume a server loop. */
const MAX_SLICES = 10_000;

/**
 * Completes every ranged attribute of an entry by asking for the next slice until the `*` end.
 * Returns the attributes with ranged ones merged under their plain name; throws if the server
 * answers with a gap or nothing, because a silently shortened member list is worse than a failed read.
 */
export async function completeRanges(
  dn: string,
  attributes: Record<string, string[]>,
  fetch: RangeFetch,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [type, values] of Object.entries(attributes)) {
    const ranged = parseRangedType(type);
    if (!ranged) {
      out[type] = [...(out[type] ?? []), ...values];
      continue;
    }
    const all = [...values];
    let high = ranged.high;
    let slices = 0;
    while (high !== "*") {
      if (++slices > MAX_SLICES) throw new Error(`${ranged.attribute} of ${dn}: more than ${MAX_SLICES} range slices`);
      const next = high + 1;
      const reply = await fetch(dn, `${ranged.attribute};range=${next}-*`);
      const slice = Object.entries(reply)
        .map(([t, v]) => ({ r: parseRangedType(t), v }))
        .find((s) => s.r && s.r.attribute.toLowerCase() === ranged.attribute.toLowerCase());
      if (!slice?.r) throw new Error(`${ranged.attribute} of ${dn}: no range slice returned from ${next}`);
      if (slice.r.low !== next) {
        throw new Error(`${ranged.attribute} of ${dn}: asked for values from ${next}, got from ${slice.r.low}`);
      }
      all.push(...slice.v);
      high = slice.r.high;
    }
    out[ranged.attribute] = [...(out[ranged.attribute] ?? []), ...all];
  }
  return out;
}

export function hasRanges(attributes: Record<string, unknown>): boolean {
  return Object.keys(attributes).some((t) => RANGE_OPTION_RE.test(t));
}

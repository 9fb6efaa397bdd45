/**
 * Active Directory's binary identifiers. objectGUID is 16 bytes whose first three fields are
 * little-endian (Microsoft's GUID layout), so reading them as plain hex gives a string nobody else
 * shows; AD tools, PowerShell and the IAM tag all use the canonical, byte-swapped form.
 */

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** 16 objectGUID bytes → `d7a3d6f4-1b2c-...` (lower case). */
export function guidToString(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new Error(`objectGUID must be 16 bytes, got ${bytes.length}`);
  const h = (from: number, to: number, reverse: boolean): string => {
    const part = Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, "0"));
    return (reverse ? part.reverse() : part).join("");
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

/** The inverse, for putting a GUID back into a filter as its 16 raw bytes. */
export function guidToBytes(guid: string): Buffer {
  if (!GUID_RE.test(guid)) throw new Error(`not a GUID: ${JSON.stringify(guid)}`);
  const hex = guid.replace(/-/g, "");
  const b = Buffer.from(hex, "hex");
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8, 16),
  ]);
}

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

/** objectSid bytes → `S-1-5-21-...`, the form every AD tool prints. */
export function sidToString(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes);
  if (buf.length < 8) throw new Error("objectSid too short");
  const revision = buf[0] as number;
  const count = buf[1] as number;
  if (buf.length !== 8 + 4 * count) throw new Error("objectSid length does not match its sub-authority count");
  const authority = buf.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let k = 0; k < count; k++) subs.push(buf.readUInt32LE(8 + 4 * k));
  return ["S", revision, authority, ...subs].join("-");
}

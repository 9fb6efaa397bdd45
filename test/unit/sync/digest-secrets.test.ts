import { describe, expect, it } from "vitest";
import { SecretKeyError } from "../../../src/errors/SecretKeyError.js";
import { digestDesired, loginProfileChanged, stableJson } from "../../../src/sync/digest.js";
import { decryptSecret, encryptSecret, parseSecretKey } from "../../../src/sync/secrets.js";
import type { DesiredUser } from "../../../src/types.js";
import { KEY } from "./helpers.js";

const base: DesiredUser = {
  sourceId: "s1",
  userName: "amy",
  path: "/p/",
  tags: { a: "1", b: "2" },
  loginProfile: { password: "Pw-123456", passwordResetRequired: true },
  groups: ["g2", "g1"],
  enabled: true,
  createOnly: ["loginProfile.passwordResetRequired"],
};

describe("digest", () => {
  it("is stable under key and group order", () => {
    const reordered: DesiredUser = { ...base, tags: { b: "2", a: "1" }, groups: ["g1", "g2"] };
    expect(digestDesired(reordered, KEY)).toBe(digestDesired(base, KEY));
    expect(stableJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it("changes when a compared field or the password changes, and says which part", () => {
    const d0 = digestDesired(base, KEY);
    const pw = digestDesired({ ...base, loginProfile: { password: "Other-Pw1", passwordResetRequired: true } }, KEY);
    const tag = digestDesired({ ...base, tags: { a: "1", b: "3" } }, KEY);
    expect(pw).not.toBe(d0);
    expect(tag).not.toBe(d0);
    expect(loginProfileChanged(pw, d0)).toBe(true);
    expect(loginProfileChanged(tag, d0)).toBe(false);
    expect(loginProfileChanged(pw, "")).toBe(false);
  });

  it("ignores create-only fields", () => {
    const co: DesiredUser = { ...base, createOnly: [...base.createOnly, "path", "tags.b"] };
    expect(digestDesired({ ...co, path: "/x/", tags: { a: "1", b: "9" } }, KEY)).toBe(digestDesired(co, KEY));
    expect(digestDesired({ ...base, loginProfile: { password: "Pw-123456", passwordResetRequired: false } }, KEY)).toBe(
      digestDesired(base, KEY),
    );
  });

  it("never contains the password and needs the key for it", () => {
    expect(digestDesired(base, KEY)).not.toContain("Pw-123456");
    expect(digestDesired(base, KEY)).not.toBe(digestDesired(base, Buffer.alloc(32, 8)));
    expect(() => digestDesired(base, undefined)).toThrow(SecretKeyError);
    const { loginProfile: _, ...noPw } = base;
    expect(() => digestDesired(noPw, undefined)).not.toThrow();
  });
});

describe("secrets", () => {
  it("round-trips under the key and binds the ciphertext to its owner", () => {
    const sealed = encryptSecret(KEY, "Pw-123456", "eng/s1");
    expect(sealed).not.toContain("Pw-123456");
    expect(decryptSecret(KEY, sealed, "eng/s1")).toBe("Pw-123456");
    expect(encryptSecret(KEY, "Pw-123456", "eng/s1")).not.toBe(sealed);
    expect(() => decryptSecret(KEY, sealed, "eng/s2")).toThrow(/does not decrypt/);
    expect(() => decryptSecret(Buffer.alloc(32, 1), sealed, "eng/s1")).toThrow(/does not decrypt/);
  });

  it("refuses to encrypt without a key, naming secrets.key", () => {
    expect(() => encryptSecret(undefined, "x", "o")).toThrow(SecretKeyError);
    expect(() => encryptSecret(undefined, "x", "o")).toThrow(/secrets\.key/);
  });

  it("parses hex and base64 keys", () => {
    expect(parseSecretKey("ab".repeat(32))?.length).toBe(32);
    expect(parseSecretKey(KEY.toString("base64"))?.equals(KEY)).toBe(true);
    expect(parseSecretKey(undefined)).toBeUndefined();
    expect(() => parseSecretKey("short")).toThrow(/secrets\.key/);
  });
});

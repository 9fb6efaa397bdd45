import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { SecretKeyError } from "../errors/SecretKeyError.js";

/**
 * Secrets at rest: AES-256-GCM under `secrets.key`, with the owner (channel + source id) as additional
 * data so a ciphertext copied onto another user's record fails to decrypt instead of granting a password.
 */

const VERSION = "v1";

/** The 32-byte key from `secrets.key` (64 hex characters or base64); undefined when none is configured. */
export function parseSecretKey(key: string | undefined): Buffer | undefined {
  if (key === undefined || key === "") return undefined;
  const buf = /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, "hex") : Buffer.from(key, "base64");
  if (buf.length !== 32)
    throw new SecretKeyError("secrets.key is not 32 bytes (64 hex characters or 44 base64 characters)");
  return buf;
}

export function encryptSecret(key: Buffer | undefined, plain: string, owner: string): string {
  if (!key) throw new SecretKeyError("refusing to store a password without secrets.key");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(owner, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(":");
}

export function decryptSecret(key: Buffer | undefined, sealed: string, owner: string): string {
  if (!key) throw new SecretKeyError("cannot read a stored password without secrets.key");
  const [version, iv, tag, body] = sealed.split(":");
  if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
    throw new Error(`stored secret of ${owner} has an unknown format`);
  }
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from(owner, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new Error(`stored secret of ${owner} does not decrypt: secrets.key changed or the record was tampered with`);
  }
}

/** A keyed hash standing in for a secret where only "did it change" matters (digests). */
export function secretHmac(key: Buffer | undefined, secret: string): string {
  if (!key) throw new SecretKeyError("a login profile password is mapped but secrets.key is not set");
  return createHmac("sha256", key).update(secret, "utf8").digest("base64url");
}

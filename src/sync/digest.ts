import { createHash } from "node:crypto";
import type { DesiredUser } from "../types.js";
import { secretHmac } from "./secrets.js";

/**
 * The digest of a desired state: what applied state remembers so that an unchanged user costs nothing in
 * an incremental run. Create-only fields are left out (changing them must not cause an update). It has
 * two parts, `<whole>.<login profile>`, so a caller can tell that only the password (which applied state
 * never holds) changed and update the login profile without touching anything else.
 */

export function digestDesired(desired: DesiredUser, key: Buffer | undefined): string {
  const co = new Set(desired.createOnly);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(desired.tags)) if (!co.has(`tags.${k}`)) tags[k] = v;
  const lp = loginProfilePart(desired, key);
  const whole = {
    userName: co.has("userName") ? null : desired.userName,
    path: co.has("path") ? null : desired.path,
    tags,
    groups: [...desired.groups].sort(),
    enabled: desired.enabled,
    loginProfile: lp,
  };
  return `${hash(whole)}.${hash(lp)}`;
}

function loginProfilePart(desired: DesiredUser, key: Buffer | undefined): unknown {
  const lp = desired.loginProfile;
  if (!lp) return null;
  const co = new Set(desired.createOnly);
  return {
    password: co.has("loginProfile.password") || lp.password === undefined ? null : secretHmac(key, lp.password),
    passwordResetRequired: co.has("loginProfile.passwordResetRequired") ? null : lp.passwordResetRequired,
  };
}

/**
 * True when the login-profile part of two digests differs. An unknown applied digest (rebuilt from AWS
 * after Redis was lost) says nothing, so it is not taken as a change: a password reset is never guessed.
 */
export function loginProfileChanged(desiredDigest: string, appliedDigest: string | undefined): boolean {
  if (!appliedDigest) return false;
  const a = desiredDigest.split(".")[1];
  const b = appliedDigest.split(".")[1];
  return b !== undefined && a !== b;
}

/** JSON with keys sorted at every level, so equal states always hash alike. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(obj[k])}`)
    .join(",")}}`;
}

function hash(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("base64url").slice(0, 32);
}

/**
 * IAM's input rules (IAM-FACTS.md). Messages copy AWS's wording so tests of the target see what
 * production would show them.
 */
import { err } from "./protocol.js";

export const NAME_PATTERN_TEXT = "[\\w+=,.@-]+";
const NAME_RE = /^[\w+=,.@-]+$/;
const PATH_PATTERN_TEXT = "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)";
const PATH_RE = /^(\/|\/[\u0021-\u007E]+\/)$/;
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_PATTERN_TEXT = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+";
const ARN_RE = /^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/([\u0021-\u007E]+\/)?([\w+=,.@-]+)$/;

export const LIMITS = {
  tagsPerUser: 50,
  groupsPerUser: 10,
  groupsPerAccount: 300,
  usersPerAccount: 5000,
  accessKeysPerUser: 2,
  signingCertificatesPerUser: 2,
  sshKeysPerUser: 5,
  mfaDevicesPerUser: 1,
  managedPoliciesPerUser: 10,
  managedPoliciesPerGroup: 10,
};

function violation(value: string, member: string, constraint: string): Error {
  return err.validation(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

function checkLength(value: string, member: string, min: number, max: number): void {
  if (value.length < min) throw violation(value, member, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw violation(value, member, `Member must have length less than or equal to ${max}`);
}

/** User names, group names and policy names share the pattern; only the maximum differs. */
export function checkName(value: string, member: string, max: number): void {
  checkLength(value, member, 1, max);
  if (!NAME_RE.test(value)) {
    throw violation(value, member, `Member must satisfy regular expression pattern: ${NAME_PATTERN_TEXT}`);
  }
}

export const checkUserName = (v: string, member = "userName") => checkName(v, member, 64);
export const checkGroupName = (v: string, member = "groupName") => checkName(v, member, 128);
export const checkPolicyName = (v: string) => checkName(v, "policyName", 128);

export function checkPath(value: string, member = "path"): void {
  checkLength(value, member, 1, 512);
  if (!PATH_RE.test(value)) {
    throw violation(value, member, `Member must satisfy regular expression pattern: ${PATH_PATTERN_TEXT}`);
  }
}

/** PathPrefix is a path without the trailing-slash rule. */
export function checkPathPrefix(value: string): void {
  checkLength(value, "pathPrefix", 1, 512);
  if (!/^\/[\u0021-\u007E]*$/.test(value)) {
    throw violation(value, "pathPrefix", "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
  }
}

export function checkMaxItems(v: number | undefined): number {
  if (v === undefined) return 100;
  if (v < 1) throw violation(String(v), "maxItems", "Member must have value greater than or equal to 1");
  if (v > 1000) throw violation(String(v), "maxItems", "Member must have value less than or equal to 1000");
  return v;
}

export function checkPolicyArn(arn: string): string {
  checkLength(arn, "policyArn", 20, 2048);
  const m = ARN_RE.exec(arn);
  if (!m?.[3]) throw err.invalidInput(`ARN ${arn} is not valid.`);
  return m[3];
}

export interface Tag {
  Key: string;
  Value: string;
}

/** Per-request tag checks; the per-user total of 50 is checked by the caller after merging. */
export function checkTags(tags: { Key?: string | undefined; Value?: string | undefined }[], member = "tags"): Tag[] {
  const seen = new Set<string>();
  const out: Tag[] = [];
  tags.forEach((t, i) => {
    const key = t.Key;
    const value = t.Value ?? "";
    const at = `${member}.${i + 1}.member`;
    if (key === undefined) {
      throw err.validation(
        `1 validation error detected: Value null at '${at}.key' failed to satisfy constraint: Member must not be null`,
      );
    }
    checkLength(key, `${at}.key`, 1, 128);
    if (!TAG_KEY_RE.test(key)) {
      throw violation(key, `${at}.key`, `Member must satisfy regular expression pattern: ${TAG_PATTERN_TEXT}`);
    }
    checkLength(value, `${at}.value`, 0, 256);
    if (!TAG_VALUE_RE.test(value)) {
      throw violation(
        value,
        `${at}.value`,
        `Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`,
      );
    }
    if (key.toLowerCase().startsWith("aws:")) {
      throw err.invalidInput(
        "User and group tag keys can't begin with 'aws:'. Tag keys that begin with 'aws:' are reserved for AWS use.",
      );
    }
    const lower = key.toLowerCase();
    if (seen.has(lower)) {
      throw err.invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    }
    seen.add(lower);
    out.push({ Key: key, Value: value });
  });
  return out;
}

export function checkTagKeys(keys: string[]): void {
  keys.forEach((key, i) => {
    checkLength(key, `tagKeys.${i + 1}.member`, 1, 128);
    if (!TAG_KEY_RE.test(key)) {
      throw violation(
        key,
        `tagKeys.${i + 1}.member`,
        `Member must satisfy regular expression pattern: ${TAG_PATTERN_TEXT}`,
      );
    }
  });
}

export interface PasswordPolicy {
  MinimumPasswordLength: number;
  RequireSymbols: boolean;
  RequireNumbers: boolean;
  RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean;
  AllowUsersToChangePassword: boolean;
  MaxPasswordAge?: number | undefined;
  PasswordReusePrevention?: number | undefined;
  HardExpiry?: boolean | undefined;
}

/** Without a custom policy AWS applies its default: 8+ chars, 3 of 4 character types, not the name. */
export function checkPassword(password: string, userName: string, policy: PasswordPolicy | undefined): void {
  checkLength(password, "password", 1, 128);
  const kinds = {
    upper: /[A-Z]/.test(password),
    lower: /[a-z]/.test(password),
    digit: /[0-9]/.test(password),
    // AWS counts any non-alphanumeric character as a symbol.
    symbol: /[^A-Za-z0-9]/.test(password),
  };
  if (!policy) {
    if (password.length < 8) throw err.passwordPolicy("Password should have a minimum length of 8");
    const count = Object.values(kinds).filter(Boolean).length;
    if (count < 3) {
      throw err.passwordPolicy(
        "Password should include a minimum of three of the following mix of character types: uppercase, lowercase, numbers, and non-alphanumeric characters",
      );
    }
    if (password.toLowerCase() === userName.toLowerCase()) {
      throw err.passwordPolicy("Password should not be identical to your AWS account name or email address");
    }
    return;
  }
  if (password.length < policy.MinimumPasswordLength) {
    throw err.passwordPolicy(`Password should have a minimum length of ${policy.MinimumPasswordLength}`);
  }
  if (policy.RequireUppercaseCharacters && !kinds.upper) {
    throw err.passwordPolicy("Password should have at least one uppercase letter");
  }
  if (policy.RequireLowercaseCharacters && !kinds.lower) {
    throw err.passwordPolicy("Password should have at least one lowercase letter");
  }
  if (policy.RequireNumbers && !kinds.digit) throw err.passwordPolicy("Password should have at least one number");
  if (policy.RequireSymbols && !kinds.symbol) throw err.passwordPolicy("Password should have at least one symbol");
}

export function checkPolicyDocument(doc: string): void {
  checkLength(doc, "policyDocument", 1, 131072);
  try {
    const parsed: unknown = JSON.parse(doc);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
  } catch {
    throw err.malformedPolicy("Syntax errors in policy.");
  }
}

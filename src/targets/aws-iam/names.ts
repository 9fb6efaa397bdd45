import { TOOL_TAG_PREFIX } from "./tags.js";

/**
 * IAM's own rules (IAM-FACTS.md), as pure functions the sync engine runs at plan time so that a user
 * IAM would refuse becomes an "invalid" line in the plan instead of a dead letter.
 * Each returns a human message naming the rule, or undefined when the value is fine.
 */

export const MAX_GROUPS_PER_USER = 10;
export const MAX_TAGS_PER_USER = 50;
export const MAX_USERS_PER_ACCOUNT = 5_000;
/** Tags the target adds to every user it manages (`provisioner:managed`, `provisioner:source-id`). */
export const MARKER_TAG_COUNT = 2;

const NAME_CHARS = /^[\w+=,.@-]+$/;

function nameProblem(kind: string, name: string, max: number): string | undefined {
  if (name.length < 1 || name.length > max) return `${kind} must be 1-${max} characters (got ${name.length})`;
  if (!NAME_CHARS.test(name)) return `${kind} "${name}" may contain only letters, digits and + = , . @ _ -`;
  return undefined;
}

export function userNameProblem(name: string): string | undefined {
  return nameProblem("IAM user name", name, 64);
}

export function groupNameProblem(name: string): string | undefined {
  return nameProblem("IAM group name", name, 128);
}

export function pathProblem(path: string): string | undefined {
  if (path.length > 512) return `IAM path must be at most 512 characters (got ${path.length})`;
  if (path === "/") return undefined;
  if (!/^\/[\u0021-\u007E]+\/$/.test(path)) {
    return `IAM path "${path}" must be "/" or start and end with "/" with printable ASCII between`;
  }
  return undefined;
}

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export interface TagRuleOptions {
  /**
   * Tag slots the target needs for itself. Default: the 2 marker tags. Pass more when users may be
   * disabled (the disabled tag plus one per deactivated access key, at most 2).
   */
  reservedSlots?: number;
}

/** Problems with a user's mapped tags; an empty list when they are fine. */
export function tagProblems(tags: Record<string, string>, opts: TagRuleOptions = {}): string[] {
  const problems: string[] = [];
  const reserved = opts.reservedSlots ?? MARKER_TAG_COUNT;
  const keys = Object.keys(tags);
  if (keys.length + reserved > MAX_TAGS_PER_USER) {
    problems.push(
      `an IAM user holds at most ${MAX_TAGS_PER_USER} tags including ${reserved} of the provisioner's (got ${keys.length} mapped)`,
    );
  }
  const seen = new Map<string, string>();
  for (const key of keys) {
    const value = tags[key] ?? "";
    const keyLength = [...key].length;
    if (keyLength < 1 || keyLength > 128) problems.push(`tag key "${key}" must be 1-128 characters`);
    if (!TAG_CHARS.test(key))
      problems.push(`tag key "${key}" may contain only letters, digits, spaces and _ . : / = + - @`);
    if (key.toLowerCase().startsWith("aws:")) problems.push(`tag key "${key}": the aws: prefix is reserved`);
    if (key.toLowerCase().startsWith(TOOL_TAG_PREFIX)) {
      problems.push(`tag key "${key}": the ${TOOL_TAG_PREFIX} prefix is reserved for the provisioner's own tags`);
    }
    const lower = key.toLowerCase();
    const clash = seen.get(lower);
    if (clash !== undefined) problems.push(`tag keys "${clash}" and "${key}" are the same to IAM (keys ignore case)`);
    else seen.set(lower, key);
    if ([...value].length > 256) problems.push(`tag "${key}" value must be at most 256 characters`);
    if (!TAG_CHARS.test(value)) {
      problems.push(`tag "${key}" value may contain only letters, digits, spaces and _ . : / = + - @`);
    }
  }
  return problems;
}

export function groupCountProblem(groups: readonly string[]): string | undefined {
  const distinct = new Set(groups.map((g) => g.toLowerCase())).size;
  return distinct > MAX_GROUPS_PER_USER
    ? `an IAM user can be in at most ${MAX_GROUPS_PER_USER} groups (got ${distinct})`
    : undefined;
}

/** The account's password policy, as GetAccountPasswordPolicy returns it (subset that judges a password). */
export interface PasswordPolicy {
  minimumPasswordLength?: number;
  requireSymbols?: boolean;
  requireNumbers?: boolean;
  requireUppercaseCharacters?: boolean;
  requireLowercaseCharacters?: boolean;
}

/** IAM counts only ISO basic Latin letters and this symbol set for its password rules. */
const SYMBOL = /[!@#$%^&*()_+\-=[\]{}|']/;
const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;
const DIGIT = /[0-9]/;

/**
 * Judges a password against the account's policy: `undefined` policy means the account has none and
 * IAM's default applies (8+ characters, 3 of the 4 types, not the user name). Messages never quote it.
 */
export function passwordProblem(
  password: string,
  policy: PasswordPolicy | undefined,
  userName: string,
): string | undefined {
  const length = [...password].length;
  if (length < 1 || length > 128) return "password must be 1-128 characters";
  if (policy === undefined) {
    if (length < 8) return "password must be at least 8 characters (IAM default policy)";
    const types = [UPPER, LOWER, DIGIT, SYMBOL].filter((re) => re.test(password)).length;
    if (types < 3) {
      return "password must mix 3 of: uppercase, lowercase, digits, symbols (IAM default policy)";
    }
    if (password.toLowerCase() === userName.toLowerCase())
      return "password must not be the user name (IAM default policy)";
    return undefined;
  }
  const min = policy.minimumPasswordLength ?? 6;
  if (length < min) return `password must be at least ${min} characters (account password policy)`;
  if (policy.requireUppercaseCharacters && !UPPER.test(password))
    return "password needs an uppercase letter (account password policy)";
  if (policy.requireLowercaseCharacters && !LOWER.test(password))
    return "password needs a lowercase letter (account password policy)";
  if (policy.requireNumbers && !DIGIT.test(password)) return "password needs a digit (account password policy)";
  if (policy.requireSymbols && !SYMBOL.test(password)) return "password needs a symbol (account password policy)";
  return undefined;
}

import type { ChannelConfig, MappedBoolean, MappedString } from "../config/schema.js";
import { TemplateError } from "../errors/TemplateError.js";
import {
  groupCountProblem,
  groupNameProblem,
  MARKER_TAG_COUNT,
  type PasswordPolicy,
  passwordProblem,
  pathProblem,
  tagProblems,
  userNameProblem,
} from "../targets/aws-iam/names.js";
import { type DesiredUser, MARKER_TAG, SOURCE_ID_TAG, type SourceUser } from "../types.js";
import { type CompiledGroupMapping, compileGroupMapping } from "./group-mapping.js";
import { type CompiledTemplate, parseTemplate } from "./template.js";

/**
 * Source user → desired state, checked against IAM's rules so a user AWS would refuse is reported at plan
 * time with its reasons instead of failing in a worker. Compile once per channel; map per user.
 */

interface MappedField {
  template: CompiledTemplate;
  createOnly: boolean;
}

export interface CompiledMapping {
  readonly channel: string;
  readonly userName: MappedField;
  readonly path?: MappedField;
  readonly tags: readonly [string, MappedField][];
  readonly loginProfile?: {
    password: MappedField;
    passwordResetRequired: { value: boolean; createOnly: boolean };
  };
  readonly groups: CompiledGroupMapping;
}

export interface MapOptions {
  /**
   * The account's password policy when known; "default" is IAM's built-in policy (no custom one set).
   * Omitted: unknown, so only IAM's 1-128 length rule is checked here and the account judges the rest.
   */
  passwordPolicy?: PasswordPolicy | "default";
}

export type MapResult = DesiredUser | { invalid: string[]; userName?: string };

export function isInvalid(r: MapResult): r is { invalid: string[]; userName?: string } {
  return "invalid" in r;
}

const where = (channel: ChannelConfig, ...rest: (string | number)[]) => ["channels", channel.name, ...rest].join(".");

function field(value: MappedString, at: string): MappedField {
  const [src, createOnly] = typeof value === "string" ? [value, false] : [value.value, value.createOnly];
  return { template: parseTemplate(src, at), createOnly };
}

function flag(value: MappedBoolean): { value: boolean; createOnly: boolean } {
  return typeof value === "boolean"
    ? { value, createOnly: false }
    : { value: value.value, createOnly: value.createOnly };
}

/** Compiles every template of the channel; throws TemplateError (or a bad include/exclude pattern) on the first. */
export function compileMapping(channel: ChannelConfig): CompiledMapping {
  const m = channel.mapping;
  const lp = m.loginProfile;
  return {
    channel: channel.name,
    userName: field(m.userName, where(channel, "mapping", "userName")),
    ...(m.path !== undefined ? { path: field(m.path, where(channel, "mapping", "path")) } : {}),
    tags: Object.entries(m.tags).map(([key, v]) => [key, field(v, where(channel, "mapping", "tags", key))] as const),
    ...(lp
      ? {
          loginProfile: {
            password: field(lp.password, where(channel, "mapping", "loginProfile", "password")),
            passwordResetRequired: flag(lp.passwordResetRequired),
          },
        }
      : {}),
    groups: compileGroupMapping(channel.groups, channel.path, where(channel, "groups")),
  };
}

/** Every problem of a channel's templates and patterns, located by YAML path, for `config check`. */
export function templateProblems(channel: ChannelConfig): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const base = ["channels", channel.name];
  const check = (path: (string | number)[], value: MappedString | undefined) => {
    if (value === undefined) return;
    const src = typeof value === "string" ? value : value.value;
    const at = typeof value === "string" ? path : [...path, "value"];
    try {
      parseTemplate(src);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push({ path: [...base, ...at], message: err.message });
    }
  };
  const m = channel.mapping;
  check(["mapping", "userName"], m.userName);
  check(["mapping", "path"], m.path);
  for (const [key, value] of Object.entries(m.tags)) {
    check(["mapping", "tags", key], value);
    for (const message of tagProblems({ [key]: "" }, { reservedSlots: 0 })) {
      problems.push({ path: [...base, "mapping", "tags", key], message });
    }
  }
  const tagCount = tagProblems(Object.fromEntries(Object.keys(m.tags).map((k) => [k, ""])));
  for (const message of tagCount.filter((p) => p.includes("at most")))
    problems.push({ path: [...base, "mapping", "tags"], message });
  check(["mapping", "loginProfile", "password"], m.loginProfile?.password);
  check(["groups", "name"], channel.groups.name);
  for (const list of ["include", "exclude"] as const) {
    channel.groups[list].forEach((pattern, i) => {
      const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
      if (!re) return;
      try {
        new RegExp(re[1] as string, re[2]);
      } catch (err) {
        problems.push({
          path: [...base, "groups", list, i],
          message: `bad regular expression: ${(err as Error).message}`,
        });
      }
    });
  }
  return problems;
}

/** Attributes the user templates read (lower-cased, sorted): exactly what the data store must fetch. */
export function mappingAttributes(channel: ChannelConfig): string[] {
  const m = compileMapping(channel);
  const all = [m.userName, m.path, ...m.tags.map(([, f]) => f), m.loginProfile?.password].flatMap((f) =>
    f ? f.template.attributes : [],
  );
  return [...new Set(all)].sort();
}

/** The desired state of one source user, or why IAM would refuse it. Cross-user checks are the plan's. */
export function mapUser(
  source: SourceUser,
  mapping: CompiledMapping,
  channel: ChannelConfig,
  opts: MapOptions = {},
): MapResult {
  const lookup = (name: string) => source.attributes[name]?.[0];
  const reasons: string[] = [];
  const createOnly: string[] = [];

  const userName = mapping.userName.template.render(lookup);
  if (mapping.userName.createOnly) createOnly.push("userName");
  if (userName === "") reasons.push(`the user name template "${mapping.userName.template.source}" gave an empty name`);
  else {
    const p = userNameProblem(userName);
    if (p) reasons.push(p);
  }

  let path = channel.path;
  if (mapping.path) {
    path = mapping.path.template.render(lookup) || channel.path;
    if (mapping.path.createOnly) createOnly.push("path");
  }
  const pp = pathProblem(path);
  if (pp) reasons.push(pp);

  const tags: Record<string, string> = {};
  for (const [key, f] of mapping.tags) {
    const value = f.template.render(lookup);
    // A missing attribute leaves the tag off rather than writing an empty value.
    if (value === "") continue;
    tags[key] = value;
    if (f.createOnly) createOnly.push(`tags.${key}`);
  }
  // The markers count against IAM's 50 tags; disabling may add the target's own bookkeeping tags.
  const mayDisable = channel.options.removeAction === "disable" || channel.options.provisionDisabled;
  const reservedSlots = mayDisable ? MARKER_TAG_COUNT + 3 : MARKER_TAG_COUNT;
  reasons.push(...tagProblems(tags, { reservedSlots }));
  const markerValues = tagProblems(
    { [MARKER_TAG]: channel.name, [SOURCE_ID_TAG]: source.sourceId },
    { reservedSlots: 0 },
  );
  reasons.push(...markerValues.filter((p) => !p.includes("reserved")).map((p) => `source id unusable as a tag: ${p}`));

  let loginProfile: DesiredUser["loginProfile"];
  if (mapping.loginProfile) {
    const lp = mapping.loginProfile;
    const password = lp.password.template.render(lookup);
    if (lp.password.createOnly) createOnly.push("loginProfile.password");
    if (lp.passwordResetRequired.createOnly) createOnly.push("loginProfile.passwordResetRequired");
    if (password === "") {
      reasons.push(`a login profile is mapped but the password template "${lp.password.template.source}" gave nothing`);
    } else {
      const policy = opts.passwordPolicy;
      const problem =
        policy === undefined
          ? passwordProblem(password, { minimumPasswordLength: 1 }, userName)
          : passwordProblem(password, policy === "default" ? undefined : policy, userName);
      if (problem) reasons.push(problem);
    }
    loginProfile = { password, passwordResetRequired: lp.passwordResetRequired.value };
  }

  const groups: string[] = [];
  if (channel.options.groups) {
    const seen = new Set<string>();
    for (const ref of source.groups) {
      const g = mapping.groups.map(ref);
      if (!g || seen.has(g.groupName.toLowerCase())) continue;
      seen.add(g.groupName.toLowerCase());
      const problem = groupNameProblem(g.groupName);
      if (problem) reasons.push(`group "${ref.name}": ${problem}`);
      groups.push(g.groupName);
    }
    const count = groupCountProblem(groups);
    if (count) reasons.push(count);
  }

  if (reasons.length > 0) return { invalid: reasons, ...(userName ? { userName } : {}) };
  return {
    sourceId: source.sourceId,
    userName,
    path,
    tags,
    ...(loginProfile ? { loginProfile } : {}),
    groups: groups.sort(),
    enabled: !source.disabled,
    createOnly,
  };
}

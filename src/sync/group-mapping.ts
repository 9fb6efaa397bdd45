import type { GroupMappingConfig } from "../config/schema.js";
import type { SourceGroupRef } from "../types.js";
import { type CompiledTemplate, parseTemplate } from "./template.js";

/**
 * Source groups → IAM group names. include/exclude select by the source group's name (glob with `*`,
 * case-insensitive, or `/regex/flags`); the name template sees `name`, `id` and the group's attributes.
 */
export interface MappedGroup {
  sourceGroupId: string;
  groupName: string;
  path: string;
}

export interface CompiledGroupMapping {
  readonly path: string;
  /** The IAM group for a source group, or null when include/exclude leave it out or it maps to "". */
  map(group: SourceGroupRef & { attributes?: Record<string, string[]> }): MappedGroup | null;
}

export function compileGroupMapping(
  config: GroupMappingConfig,
  channelPath: string,
  where?: string,
): CompiledGroupMapping {
  const template = parseTemplate(config.name, where ? `${where}.name` : undefined);
  const include = config.include.map((p, i) => compilePattern(p, where ? `${where}.include[${i}]` : undefined));
  const exclude = config.exclude.map((p, i) => compilePattern(p, where ? `${where}.exclude[${i}]` : undefined));
  const path = config.path ?? channelPath;
  // Many users share few groups: render each (id, name) once per compiled mapping.
  const cache = new Map<string, MappedGroup | null>();
  return {
    path,
    map(group) {
      const key = `${group.id}\u0000${group.name}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const result = mapOne(group, template, include, exclude, path);
      if (!group.attributes) cache.set(key, result);
      return result;
    },
  };
}

function mapOne(
  group: SourceGroupRef & { attributes?: Record<string, string[]> },
  template: CompiledTemplate,
  include: RegExp[],
  exclude: RegExp[],
  path: string,
): MappedGroup | null {
  if (include.length > 0 && !include.some((re) => re.test(group.name))) return null;
  if (exclude.some((re) => re.test(group.name))) return null;
  const groupName = template.render((attr) => {
    if (attr === "name") return group.name;
    if (attr === "id") return group.id;
    return group.attributes?.[attr]?.[0];
  });
  return groupName === "" ? null : { sourceGroupId: group.id, groupName, path };
}

/** `/regex/flags` as written; anything else is a whole-name glob where `*` matches any run of characters. */
export function compilePattern(pattern: string, where?: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (m) {
    try {
      return new RegExp(m[1] as string, m[2]);
    } catch (err) {
      throw new Error(`${where ? `${where}: ` : ""}bad regular expression ${pattern}: ${(err as Error).message}`);
    }
  }
  const body = pattern
    .split("*")
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "i");
}

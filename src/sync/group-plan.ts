import type { GroupChange, ObservedGroup, RunMode } from "../types.js";
import type { MappedGroup } from "./group-mapping.js";

/**
 * Groups are planned before users: they are few and must exist before memberships. A source group keeps
 * its IAM group across renames (same source id, new mapped name → UpdateGroup in place), because deleting
 * and recreating would drop every policy attached to it. Only groups under the channel's path are ours to
 * rename or delete; a mapping may still point memberships at an existing unmanaged group.
 */
export interface GroupStateEntry {
  groupName: string;
  path: string;
}

export interface GroupPlanInput {
  mode: RunMode;
  channelPath: string;
  /** Source group id → mapped IAM group, for every group in scope this run. */
  mapped: ReadonlyMap<string, MappedGroup>;
  previous: ReadonlyMap<string, GroupStateEntry>;
  /** Full runs: what AWS holds. */
  observed?: readonly ObservedGroup[];
  allowDeletes: boolean;
}

export interface GroupPlan {
  changes: GroupChange[];
  /** The group state to record once the changes are applied. */
  next: Map<string, GroupStateEntry>;
  /** Lower-cased IAM group names this channel maps to or manages: memberships elsewhere are not ours. */
  known: Set<string>;
}

export const isManagedGroupPath = (path: string, channelPath: string) => path.startsWith(channelPath);

export function planGroups(input: GroupPlanInput): GroupPlan {
  const changes: GroupChange[] = [];
  const next = new Map<string, GroupStateEntry>();
  const observed = new Map((input.observed ?? []).map((g) => [g.groupName.toLowerCase(), g]));
  const claimed = new Set<string>();
  const managed = (path: string) => isManagedGroupPath(path, input.channelPath);

  // By source id, not in the order the read met them: the plan is the same however the source was read
  // (skipped people hand their groups over before the rest of their page).
  for (const [id, g] of byId(input.mapped)) {
    const lower = g.groupName.toLowerCase();
    next.set(id, { groupName: g.groupName, path: g.path });
    // Two source groups may map to one IAM group: the first one speaks for it.
    if (claimed.has(lower)) continue;
    claimed.add(lower);
    const create: GroupChange = { kind: "create", groupName: g.groupName, path: g.path, sourceGroupId: id };
    // Incremental runs cannot see AWS: undefined means "as far as we know".
    const exists = input.observed ? observed.has(lower) : undefined;
    let prev = input.previous.get(id);
    if (prev && prev.groupName !== g.groupName && !managed(prev.path)) prev = undefined;
    if (!prev) {
      if (exists !== true) changes.push(create);
      continue;
    }
    if (prev.groupName === g.groupName && prev.path === g.path) {
      if (exists === false) changes.push(create);
      continue;
    }
    if (exists === true) continue;
    const fromLower = prev.groupName.toLowerCase();
    if (input.observed && !observed.has(fromLower)) {
      changes.push(create);
      continue;
    }
    claimed.add(fromLower);
    changes.push({
      kind: "rename",
      groupName: g.groupName,
      fromGroupName: prev.groupName,
      path: g.path,
      sourceGroupId: id,
    });
  }

  if (input.mode === "replay") {
    for (const [id, prev] of input.previous) if (!next.has(id)) next.set(id, prev);
  } else {
    const deleted = new Set<string>();
    const drop = (groupName: string, path: string) => {
      const lower = groupName.toLowerCase();
      if (claimed.has(lower) || deleted.has(lower) || !managed(path)) return;
      if (input.observed && !observed.has(lower)) return;
      deleted.add(lower);
      if (input.allowDeletes) changes.push({ kind: "delete", groupName, path });
    };
    for (const [id, prev] of byId(input.previous)) if (!input.mapped.has(id)) drop(prev.groupName, prev.path);
    for (const g of input.observed ?? []) drop(g.groupName, g.path);
  }

  const known = new Set<string>(claimed);
  for (const prev of input.previous.values()) known.add(prev.groupName.toLowerCase());
  for (const g of input.observed ?? []) if (managed(g.path)) known.add(g.groupName.toLowerCase());
  return { changes, next, known };
}

function byId<T>(map: ReadonlyMap<string, T>): [string, T][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

import type { DesiredUser } from "../types.js";

/**
 * IAM user names are unique ignoring case, across the account. Two people mapping to one name are both
 * invalid (sending either would be a coin toss over who gets the account). A name still held by another
 * of the channel's users (being renamed away, or left disabled) is held back, not sent: the create would
 * fail, or worse race the rename; once the holder's change is applied a later run goes through.
 * People skipped as unchanged (memos) still map to the name their memo holds, and count here alike.
 */
export interface NameConflicts {
  invalid: Map<string, string[]>;
  held: Map<string, string>;
}

export function nameConflicts(
  desired: ReadonlyMap<string, DesiredUser>,
  /** Lower-cased IAM name → source id whose applied (or, in a full run, observed) user holds it. */
  holders: ReadonlyMap<string, string>,
  inScope: (sourceId: string) => boolean,
  disabled: ReadonlySet<string>,
  unchanged: ReadonlyMap<string, string> = new Map(),
): NameConflicts {
  const byName = new Map<string, string[]>();
  const add = (id: string, name: string) => {
    const lower = name.toLowerCase();
    const list = byName.get(lower);
    if (list) list.push(id);
    else byName.set(lower, [id]);
  };
  for (const [id, d] of desired) add(id, d.userName);
  // Two unchanged people never share a name (it was checked when their memos were written): only a
  // name some changed person maps to can clash with theirs.
  if (unchanged.size > 0) {
    for (const [id, name] of unchanged) if (byName.has(name.toLowerCase())) add(id, name);
  }
  const invalid = new Map<string, string[]>();
  for (const [, ids] of byName) {
    if (ids.length < 2) continue;
    for (const id of ids) {
      const name = desired.get(id)?.userName ?? unchanged.get(id) ?? "";
      const others = ids
        .filter((o) => o !== id)
        .sort()
        .join(", ");
      invalid.set(id, [
        `IAM user name "${name}" is also the mapped name of source user ${others} (IAM names ignore case)`,
      ]);
    }
  }

  const held = new Map<string, string>();
  for (const [id, d] of desired) {
    if (invalid.has(id)) continue;
    const holder = holders.get(d.userName.toLowerCase());
    if (holder === undefined || holder === id) continue;
    const why = desired.has(holder)
      ? "which is being renamed"
      : !inScope(holder) || disabled.has(holder)
        ? "which is leaving"
        : "whose mapping is invalid";
    held.set(
      id,
      `IAM user name "${d.userName}" is still held by source user ${holder}, ${why}; a later run retries once it is free`,
    );
  }
  return { invalid, held };
}

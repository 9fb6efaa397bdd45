import type { AppliedUser, DesiredUser } from "../types.js";
import type { ObservedIndex } from "./observed-index.js";

/**
 * IAM user names are unique ignoring case, across the account. Two people mapping to one name are both
 * invalid (sending either would be a coin toss over who gets the account). A name still held by another
 * of the channel's users (being renamed away, or left disabled) is held back, not sent: the create would
 * fail, or worse race the rename; once the holder's change is applied a later run goes through.
 */
export interface NameConflicts {
  invalid: Map<string, string[]>;
  held: Map<string, string>;
}

export function nameConflicts(
  desired: ReadonlyMap<string, DesiredUser>,
  applied: ReadonlyMap<string, AppliedUser>,
  index: ObservedIndex | undefined,
  seen: ReadonlySet<string>,
  disabled: ReadonlySet<string>,
): NameConflicts {
  const byName = new Map<string, string[]>();
  for (const [id, d] of desired) {
    const lower = d.userName.toLowerCase();
    const list = byName.get(lower);
    if (list) list.push(id);
    else byName.set(lower, [id]);
  }
  const invalid = new Map<string, string[]>();
  for (const [, ids] of byName) {
    if (ids.length < 2) continue;
    for (const id of ids) {
      const name = desired.get(id)?.userName ?? "";
      const others = ids.filter((o) => o !== id).join(", ");
      invalid.set(id, [
        `IAM user name "${name}" is also the mapped name of source user ${others} (IAM names ignore case)`,
      ]);
    }
  }

  const holders = new Map<string, string>();
  if (index) for (const [id, u] of index.bySourceId) holders.set(u.userName.toLowerCase(), id);
  else for (const [id, a] of applied) holders.set(a.userName.toLowerCase(), id);

  const held = new Map<string, string>();
  for (const [id, d] of desired) {
    if (invalid.has(id)) continue;
    const holder = holders.get(d.userName.toLowerCase());
    if (holder === undefined || holder === id) continue;
    const why = desired.has(holder)
      ? "which is being renamed"
      : !seen.has(holder) || disabled.has(holder)
        ? "which is leaving"
        : "whose mapping is invalid";
    held.set(
      id,
      `IAM user name "${d.userName}" is still held by source user ${holder}, ${why}; a later run retries once it is free`,
    );
  }
  return { invalid, held };
}

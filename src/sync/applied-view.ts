import type { AppliedUser } from "../types.js";

/**
 * Applied state as the plan reads it: by id, as the list of ids, by IAM name, or whole. The state store
 * serves it from Redis so an incremental run with memos loads only what it needs; a map serves tests and
 * `provisioner plan`.
 */
export interface AppliedView {
  /** Every source id with applied state. */
  ids(): Promise<string[]>;
  /** How many source ids have applied state. */
  count(): Promise<number>;
  /** Applied state of these ids (absent ones are left out). */
  get(ids: readonly string[]): Promise<Map<string, AppliedUser>>;
  /** Lower-cased IAM user name → source id holding it, for these lower-cased names. */
  holders(names: readonly string[]): Promise<Map<string, string>>;
  /** All of it. */
  all(): Promise<ReadonlyMap<string, AppliedUser>>;
}

export function isAppliedView(x: ReadonlyMap<string, AppliedUser> | AppliedView): x is AppliedView {
  return typeof (x as AppliedView).ids === "function" && typeof (x as AppliedView).holders === "function";
}

export function appliedView(map: ReadonlyMap<string, AppliedUser>): AppliedView {
  return {
    ids: async () => [...map.keys()],
    count: async () => map.size,
    get: async (ids) => {
      const out = new Map<string, AppliedUser>();
      for (const id of ids) {
        const a = map.get(id);
        if (a) out.set(id, a);
      }
      return out;
    },
    holders: async (names) => {
      const wanted = new Set(names);
      const out = new Map<string, string>();
      for (const [id, a] of map) {
        const lower = a.userName.toLowerCase();
        if (wanted.has(lower)) out.set(lower, id);
      }
      return out;
    },
    all: async () => map,
  };
}

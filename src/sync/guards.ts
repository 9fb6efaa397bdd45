import type { GuardsConfig } from "../config/schema.js";

/**
 * The safety guards (DESIGN.md §8), as pure rules. The rule for a blocked plan is the simplest safe one:
 * it carries no changes at all, not even the harmless ones, so an operator approves (or fixes the source)
 * with the whole picture in front of them and nothing half-applied behind it.
 */

/** The most removals a run may make: a count, or "N%" of the users the channel manages (rounded down). */
export function removalLimit(maxDeletes: GuardsConfig["maxDeletes"], managed: number): number {
  if (typeof maxDeletes === "number") return maxDeletes;
  const pct = Number.parseFloat(maxDeletes);
  return Math.floor((managed * pct) / 100);
}

export interface GuardInput {
  guards: GuardsConfig;
  /** Deletes + disables the plan would make. */
  removals: number;
  /** Users the channel manages: applied-state size (incremental) or managed observed users (full). */
  managed: number;
  /** Users the source returned (in scope, any state); undefined when the run reads named users only. */
  sourceUsers?: number;
  allowDeletions: boolean;
}

/** Why the plan must stop as `blocked`; empty when it may go ahead. */
export function guardReasons(input: GuardInput): string[] {
  if (input.allowDeletions) return [];
  const reasons: string[] = [];
  if (input.guards.blockEmptySource && input.sourceUsers === 0 && input.managed > 0) {
    reasons.push(
      `the source returned no users while the channel manages ${input.managed}: blocked (blockEmptySource); approve with --allow-deletions if this is intended`,
    );
  }
  const limit = removalLimit(input.guards.maxDeletes, input.managed);
  if (input.removals > limit) {
    const rule =
      typeof input.guards.maxDeletes === "number"
        ? `${limit}`
        : `${limit} (${input.guards.maxDeletes} of ${input.managed} managed)`;
    reasons.push(
      `${input.removals} removal${input.removals === 1 ? "" : "s"} (deletes + disables) exceed maxDeletes ${rule}; approve with --allow-deletions`,
    );
  }
  return reasons;
}

/** The read of the source did not complete: the run fails and removes nobody. */
export function sourceFailureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `the source read failed, so nobody is removed: ${message}`;
}

import type { Logger } from "pino";
import type { SourceGroup, SourceUser, UserReadOptions } from "../types.js";

/**
 * What every data store offers the sync: users and groups read page by page, lookups for replay, and
 * an online check. A read either completes or throws SourceReadError; it never ends early, because
 * the snapshot would take a short read for leavers.
 */
export interface DataStore {
  /** Pages of users (memory bounded by the page; never the whole directory as raw entries); groups attached, flattened. */
  users(opts?: UserReadOptions): AsyncIterable<SourceUser[]>;
  /** Pages of groups with their flattened members (source ids of users in scope). */
  groups(): AsyncIterable<SourceGroup[]>;
  /** Lookups for replay: by stable source id, and by name. Missing ones are simply absent. */
  findUsers(query: { ids?: string[]; names?: string[] }): Promise<SourceUser[]>;
  /** Connect and bind (or run a trivial query): for `config check --online`. */
  check(): Promise<void>;
  /** Entries skipped so far because they could not be read as users (no id, unparsable DN...). */
  problems(): SourceProblemSummary;
  close(): Promise<void>;
}

export interface DataStoreOptions {
  /** Attribute / column names the channel's mapping needs; the store adds what it needs itself. */
  attributes: string[];
  logger?: Logger;
}

export type SourceProblemKind = "missing-id" | "ambiguous-id" | "bad-dn" | "bad-value";

/** One entry or row that was skipped, with why. */
export interface SourceProblem {
  kind: SourceProblemKind;
  /** DN or row id, as far as it is known. */
  entry: string;
  message: string;
}

export interface SourceProblemSummary {
  count: number;
  byKind: Partial<Record<SourceProblemKind, number>>;
  /** The first few problems, for the run summary; the log has every one. */
  samples: SourceProblem[];
}

const MAX_SAMPLES = 20;

/** Counts skipped entries and logs each one, keeping only a few samples in memory. */
export class ProblemLog {
  private readonly summary: SourceProblemSummary = { count: 0, byKind: {}, samples: [] };

  constructor(
    private readonly dataStore: string,
    private readonly logger?: Logger,
  ) {}

  record(problem: SourceProblem): void {
    this.summary.count++;
    this.summary.byKind[problem.kind] = (this.summary.byKind[problem.kind] ?? 0) + 1;
    if (this.summary.samples.length < MAX_SAMPLES) this.summary.samples.push(problem);
    this.logger?.warn({ dataStore: this.dataStore, problem: problem.kind, entry: problem.entry }, problem.message);
  }

  snapshot(): SourceProblemSummary {
    return { count: this.summary.count, byKind: { ...this.summary.byKind }, samples: [...this.summary.samples] };
  }
}

/** Runs fn over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

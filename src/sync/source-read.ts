import type { DesiredUser, InvalidUser, SourceGroupRef, SourceUser, UserReadOptions } from "../types.js";
import type { MappedGroup } from "./group-mapping.js";
import { compileMapping, isInvalid, type MapOptions, mapUser } from "./mapping.js";
import { type MemoIndex, userFingerprint } from "./memo.js";
import type { indexObserved } from "./observed-index.js";
import type { PlanInput } from "./plan.js";

/**
 * The plan's read of the source: pages stream through mapping, so raw entries live only as long as
 * their page and what is kept per person is the desired state (or why it is invalid).
 */
export interface SourceRead {
  desired: Map<string, DesiredUser>;
  invalid: InvalidUser[];
  /** Every source id read in full (not skipped), whatever its state: nobody in here is removed. */
  seen: Set<string>;
  /** In scope but disabled, without provisionDisabled: they get the remove action. */
  disabled: Set<string>;
  groups: Map<string, MappedGroup>;
  /** In scope and skipped as unchanged (incremental runs with memos): nobody in here is removed either. */
  unchanged: { count: number; has(id: string): boolean; names(): ReadonlyMap<string, string> };
}

/** In the source's scope: read in full or skipped as unchanged. */
export function inScope(read: SourceRead, id: string): boolean {
  return read.seen.has(id) || read.unchanged.has(id);
}

/** How many people the source holds in scope. */
export function inScopeCount(read: SourceRead): number {
  return read.seen.size + read.unchanged.count;
}

/**
 * With memos, every desired state carries the memo to record once it is applied, and an incremental run
 * skips whoever the memos say is unchanged: in scope, their groups mapped, and nothing else. A store skips
 * them itself where it can tell their groups without decoding the entry; otherwise they are skipped here.
 */
export async function readSource(input: PlanInput, memo?: MemoIndex): Promise<SourceRead> {
  const { channel } = input;
  const mapping = compileMapping(channel);
  const skip = memo && input.mode === "incremental" ? memo : undefined;
  const read: SourceRead = {
    desired: new Map(),
    invalid: [],
    seen: new Set(),
    disabled: new Set(),
    groups: new Map(),
    unchanged: skip
      ? {
          get count() {
            return skip.count;
          },
          has: (id) => skip.skipped(id),
          names: () => skip.names(),
        }
      : { count: 0, has: () => false, names: () => new Map() },
  };
  const mapOpts: MapOptions = input.passwordPolicy !== undefined ? { passwordPolicy: input.passwordPolicy } : {};
  // Everyone in scope brings their groups into the run, skipped or not: the group plan sees them all.
  const mapGroups = (refs: readonly SourceGroupRef[]) => {
    if (!channel.options.groups) return;
    for (const ref of refs) {
      const g = mapping.groups.map(ref);
      if (g) read.groups.set(ref.id, g);
    }
  };
  const skipUnchanged = (id: string, fp: string, refs: readonly SourceGroupRef[]): boolean => {
    if (!skip?.skip(id, fp)) return false;
    mapGroups(refs);
    return true;
  };
  const readOpts: UserReadOptions = memo
    ? { fingerprint: memo.fingerprint, ...(skip ? { skip: skipUnchanged, ready: skip.ready } : {}) }
    : {};
  for await (const page of pages(input, readOpts)) {
    // A store that does not wait for the memos (or a replay) gets them checked here, once loaded.
    if (memo) await memo.ready;
    for (const user of page) {
      if (read.seen.has(user.sourceId)) continue;
      const fp = memo ? (user.fingerprint ?? userFingerprint(user, memo.fingerprint)) : undefined;
      if (fp !== undefined && skipUnchanged(user.sourceId, fp, user.groups)) continue;
      mapGroups(user.groups);
      if (skip?.skipped(user.sourceId)) skip.unskip(user.sourceId);
      read.seen.add(user.sourceId);
      if (user.disabled && !channel.options.provisionDisabled) {
        read.disabled.add(user.sourceId);
        continue;
      }
      const mapped = mapUser(user, mapping, channel, mapOpts);
      if (isInvalid(mapped)) {
        read.invalid.push({
          sourceId: user.sourceId,
          ...(mapped.userName ? { userName: mapped.userName } : {}),
          reasons: mapped.invalid,
        });
      } else {
        if (memo && fp !== undefined) mapped.memo = memo.value(fp, mapped.userName);
        read.desired.set(user.sourceId, mapped);
      }
    }
  }
  return read;
}

async function* pages(input: PlanInput, opts: UserReadOptions): AsyncIterable<SourceUser[]> {
  if (input.mode !== "replay") {
    yield* input.source.users(opts);
    return;
  }
  const ids = [...new Set(input.replayIds ?? [])];
  if (ids.length === 0) return;
  if (!input.source.findUsers) throw new Error("the data store cannot look users up by id");
  const wanted = new Set(ids);
  yield (await input.source.findUsers({ ids })).filter((u) => wanted.has(u.sourceId));
}

/** Who may get the remove action: replay only its named ids; other runs everyone applied or managed. */
export function removalCandidates(
  input: PlanInput,
  read: SourceRead,
  index: ReturnType<typeof indexObserved> | undefined,
  applied: Iterable<string>,
): string[] {
  const gone = (id: string) => !inScope(read, id) || read.disabled.has(id);
  if (input.mode === "replay") return [...new Set(input.replayIds ?? [])].filter(gone);
  const pool = index ? index.bySourceId.keys() : applied;
  return [...pool].filter(gone);
}

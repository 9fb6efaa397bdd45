import type { DesiredUser, InvalidUser, SourceUser, UnchangedUser, UserReadOptions } from "../types.js";
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
  /** Every source id in scope, whatever its state: nobody in here is removed. */
  seen: Set<string>;
  /** In scope but disabled, without provisionDisabled: they get the remove action. */
  disabled: Set<string>;
  groups: Map<string, MappedGroup>;
  /** In scope and unchanged since applied (incremental runs with memos): their count, and who they are. */
  unchanged: { count: number; names(): ReadonlyMap<string, string> };
}

/**
 * With memos, every desired state carries the memo to record once it is applied, and an incremental run
 * skips whoever the memos say is unchanged: they count as seen, their groups as mapped, and nothing else.
 */
export async function readSource(input: PlanInput, memo?: MemoIndex): Promise<SourceRead> {
  const { channel } = input;
  const mapping = compileMapping(channel);
  const read: SourceRead = {
    desired: new Map(),
    invalid: [],
    seen: new Set(),
    disabled: new Set(),
    groups: new Map(),
    unchanged: { count: 0, names: () => new Map() },
  };
  const mapOpts: MapOptions = input.passwordPolicy !== undefined ? { passwordPolicy: input.passwordPolicy } : {};
  const skip = memo && input.mode === "incremental" ? memo : undefined;
  const readOpts: UserReadOptions = memo
    ? {
        fingerprint: memo.fingerprint,
        ...(skip ? { isUnchanged: (id, fp) => skip.isUnchanged(id, fp), ready: skip.ready } : {}),
      }
    : {};
  for await (const page of pages(input, readOpts)) {
    // A store that does not wait for the memos (or a replay) gets them checked here, once loaded.
    if (memo) await memo.ready;
    for (const user of page) {
      if (read.seen.has(user.sourceId)) continue;
      read.seen.add(user.sourceId);
      if (channel.options.groups) {
        for (const ref of user.groups) {
          const g = mapping.groups.map(ref);
          if (g) read.groups.set(ref.id, g);
        }
      }
      if ("unchanged" in user) {
        skip?.skip(user.sourceId);
        continue;
      }
      const fp = memo ? (user.fingerprint ?? userFingerprint(user, memo.fingerprint)) : undefined;
      if (skip && fp !== undefined && skip.isUnchanged(user.sourceId, fp)) {
        skip.skip(user.sourceId);
        continue;
      }
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
  if (skip) read.unchanged = { count: skip.skipped, names: () => skip.unchanged() };
  return read;
}

async function* pages(input: PlanInput, opts: UserReadOptions): AsyncIterable<(SourceUser | UnchangedUser)[]> {
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
  const gone = (id: string) => !read.seen.has(id) || read.disabled.has(id);
  if (input.mode === "replay") return [...new Set(input.replayIds ?? [])].filter(gone);
  const pool = index ? index.bySourceId.keys() : applied;
  return [...pool].filter(gone);
}

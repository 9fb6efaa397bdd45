import type { DesiredUser, InvalidUser, SourceUser } from "../types.js";
import type { MappedGroup } from "./group-mapping.js";
import { compileMapping, isInvalid, type MapOptions, mapUser } from "./mapping.js";
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
}

export async function readSource(input: PlanInput): Promise<SourceRead> {
  const { channel } = input;
  const mapping = compileMapping(channel);
  const read: SourceRead = { desired: new Map(), invalid: [], seen: new Set(), disabled: new Set(), groups: new Map() };
  const mapOpts: MapOptions = input.passwordPolicy !== undefined ? { passwordPolicy: input.passwordPolicy } : {};
  for await (const page of pages(input)) {
    for (const user of page) {
      if (read.seen.has(user.sourceId)) continue;
      read.seen.add(user.sourceId);
      if (channel.options.groups) {
        for (const ref of user.groups) {
          const g = mapping.groups.map(ref);
          if (g) read.groups.set(ref.id, g);
        }
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
      } else read.desired.set(user.sourceId, mapped);
    }
  }
  return read;
}

async function* pages(input: PlanInput): AsyncIterable<SourceUser[]> {
  if (input.mode !== "replay") {
    yield* input.source.users();
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
): string[] {
  const gone = (id: string) => !read.seen.has(id) || read.disabled.has(id);
  if (input.mode === "replay") return [...new Set(input.replayIds ?? [])].filter(gone);
  const pool = index ? index.bySourceId.keys() : input.applied.keys();
  return [...pool].filter(gone);
}

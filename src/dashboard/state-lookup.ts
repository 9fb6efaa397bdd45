import type { QueueContext } from "../queue/context.js";
import { keys } from "../queue/names.js";
import { parseSecretKey } from "../sync/secrets.js";
import { StateStore } from "../sync/state-store.js";
import type { DesiredUser } from "../types.js";
import { CombinedUserLookup, HistoryUserLookup, type UserLookup, type UserStateMatch } from "./user-lookup.js";

/**
 * The user page's view of the state store: by source id directly, by IAM user name through the applied
 * state's name index, in every channel. Desired state comes back with the password decrypted only when
 * secrets.key is configured; either way the page receives "set" / "not set" (publicDesired), never the value.
 */
export class StateStoreUserLookup implements UserLookup {
  private readonly store: StateStore;

  constructor(private readonly ctx: QueueContext) {
    let secretKey: Buffer | undefined;
    try {
      secretKey = parseSecretKey(ctx.config.secrets.key);
    } catch {
      secretKey = undefined;
    }
    this.store = new StateStore(ctx.redis, { prefix: ctx.prefix, ...(secretKey ? { secretKey } : {}) });
  }

  async find(query: string): Promise<UserStateMatch[]> {
    const q = query.trim();
    if (!q) return [];
    const out: UserStateMatch[] = [];
    for (const channel of Object.keys(this.ctx.config.channels)) {
      const ids = new Set([q]);
      const byName = await this.store.sourceIdForUserName(channel, q);
      if (byName) ids.add(byName);
      for (const sourceId of ids) {
        const [desired, applied] = await Promise.all([
          this.desired(channel, sourceId),
          this.store.getApplied(channel, [sourceId]),
        ]);
        const a = applied.get(sourceId);
        if (!desired && !a) continue;
        const userName = a?.userName ?? desired?.userName;
        out.push({
          channel,
          sourceId,
          ...(userName ? { userName } : {}),
          ...(desired ? { desired } : {}),
          ...(a ? { applied: a } : {}),
        });
      }
    }
    return out;
  }

  private async desired(channel: string, sourceId: string): Promise<DesiredUser | undefined> {
    try {
      return (await this.store.getDesired(channel, [sourceId])).get(sourceId);
    } catch {
      // No or another secrets.key here: the sealed password cannot be opened, but that it exists can be shown.
      const raw = await this.ctx.redis.hget(keys.desired(this.ctx.prefix, channel), sourceId);
      if (!raw) return undefined;
      const stored = JSON.parse(raw) as DesiredUser & {
        loginProfile?: { sealedPassword?: string; passwordResetRequired: boolean };
      };
      const { loginProfile, ...rest } = stored;
      return {
        ...rest,
        ...(loginProfile
          ? {
              loginProfile: {
                passwordResetRequired: loginProfile.passwordResetRequired,
                ...(loginProfile.sealedPassword ? { password: "(sealed)" } : {}),
              },
            }
          : {}),
      };
    }
  }
}

/** The default lookup: state first, then audit history and dead letters for people the state forgot. */
export function stateStoreLookup(ctx: QueueContext): UserLookup {
  return new CombinedUserLookup([new StateStoreUserLookup(ctx), new HistoryUserLookup(ctx)]);
}

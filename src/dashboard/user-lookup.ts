import type { QueueContext } from "../queue/context.js";
import type { AppliedUser, DesiredUser } from "../types.js";
import { redactDeep } from "./redact.js";

/**
 * How the user page finds one person's state. The state store (src/sync) answers with desired and applied
 * state; without it the audit streams and dead letters still say who the person is and what happened.
 */
export interface UserStateMatch {
  channel: string;
  sourceId: string;
  userName?: string;
  desired?: DesiredUser;
  applied?: AppliedUser;
}

export interface UserLookup {
  /** Matches by IAM user name (ignoring case) or by source id, across channels. */
  find(query: string): Promise<UserStateMatch[]>;
}

/** Finds people through what the product already records: audit events and dead letters. */
export class HistoryUserLookup implements UserLookup {
  constructor(private readonly ctx: QueueContext) {}

  async find(query: string): Promise<UserStateMatch[]> {
    const q = query.trim();
    if (!q) return [];
    const found = new Map<string, UserStateMatch>();
    const add = (channel: string, sourceId: string, userName?: string) => {
      const key = `${channel}\n${sourceId}`;
      const prior = found.get(key);
      if (!prior) found.set(key, { channel, sourceId, ...(userName ? { userName } : {}) });
      else if (!prior.userName && userName) prior.userName = userName;
    };
    for (const channel of Object.keys(this.ctx.config.channels)) {
      const [bySource, byName] = await Promise.all([
        this.ctx.audit.recent(channel, { sourceId: q, limit: 1 }),
        this.ctx.audit.recent(channel, { userName: q, limit: 1 }),
      ]);
      for (const e of [...bySource, ...byName]) add(channel, e.sourceId, e.userName);
    }
    const lower = q.toLowerCase();
    for (const d of await this.ctx.deadLetters.list()) {
      if (d.sourceId === q || d.userName?.toLowerCase() === lower) add(d.channel, d.sourceId, d.userName);
    }
    return [...found.values()];
  }
}

/** Asks each lookup in turn and merges by (channel, source id), earlier lookups winning. */
export class CombinedUserLookup implements UserLookup {
  constructor(private readonly lookups: UserLookup[]) {}

  async find(query: string): Promise<UserStateMatch[]> {
    const merged = new Map<string, UserStateMatch>();
    for (const lookup of this.lookups) {
      for (const m of await lookup.find(query)) {
        const key = `${m.channel}\n${m.sourceId}`;
        const prior = merged.get(key);
        merged.set(key, prior ? { ...m, ...prior, userName: prior.userName ?? m.userName } : m);
      }
    }
    return [...merged.values()];
  }
}

/** Desired state as it may be shown: the login profile's password becomes "set" / "not set". */
export function publicDesired(d: DesiredUser) {
  const { loginProfile, ...rest } = d;
  return {
    ...(redactDeep(rest) as typeof rest),
    loginProfile: loginProfile
      ? {
          password: loginProfile.password ? "set" : "not set",
          passwordResetRequired: loginProfile.passwordResetRequired,
        }
      : null,
  };
}

import type { Redis } from "ioredis";
import { keys } from "./names.js";

/** One applied change, as kept in the channel's capped audit stream. Never holds a secret. */
export interface AuditEvent {
  runId: string;
  sourceId: string;
  userName: string;
  kind: string;
  fields: string[];
  beforeDigest?: string;
  afterDigest?: string;
  calls: number;
  at: string;
  id?: string;
}

/** Per-channel audit stream, capped so a busy channel never grows Redis without bound. */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxLength = 100_000,
  ) {}

  async append(channel: string, e: Omit<AuditEvent, "id">): Promise<void> {
    await this.redis.xadd(
      keys.audit(this.prefix, channel),
      "MAXLEN",
      "~",
      this.maxLength,
      "*",
      "runId",
      e.runId,
      "sourceId",
      e.sourceId,
      "userName",
      e.userName,
      "kind",
      e.kind,
      "fields",
      e.fields.join(","),
      "beforeDigest",
      e.beforeDigest ?? "",
      "afterDigest",
      e.afterDigest ?? "",
      "calls",
      String(e.calls),
      "at",
      e.at,
    );
  }

  /** Newest first; filtered by source id or user name when given (scans the newest `scan` entries). */
  async recent(
    channel: string,
    opts: { sourceId?: string; userName?: string; limit?: number; scan?: number } = {},
  ): Promise<AuditEvent[]> {
    const limit = opts.limit ?? 50;
    const entries = await this.redis.xrevrange(keys.audit(this.prefix, channel), "+", "-", "COUNT", opts.scan ?? 5_000);
    const out: AuditEvent[] = [];
    for (const [id, flat] of entries) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
      if (opts.sourceId && f.sourceId !== opts.sourceId) continue;
      if (opts.userName && f.userName?.toLowerCase() !== opts.userName.toLowerCase()) continue;
      out.push({
        id,
        runId: f.runId ?? "",
        sourceId: f.sourceId ?? "",
        userName: f.userName ?? "",
        kind: f.kind ?? "",
        fields: f.fields ? f.fields.split(",") : [],
        ...(f.beforeDigest ? { beforeDigest: f.beforeDigest } : {}),
        ...(f.afterDigest ? { afterDigest: f.afterDigest } : {}),
        calls: Number(f.calls ?? 0),
        at: f.at ?? "",
      });
      if (out.length >= limit) break;
    }
    return out;
  }
}

/**
 * The admin JSON API under /_emulator/, the same controls as the programmatic API, for tests that
 * run the emulator in another process (`npm run emulator`).
 */
import type { FailureConfig } from "./faults.js";
import { IamError } from "./protocol.js";
import type { PasswordPolicy } from "./rules.js";
import type { SeedGroup, SeedUser } from "./seed.js";
import type { Emulator } from "./server.js";

export interface AdminReply {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

function parse(body: string): Json {
  if (!body.trim()) return {};
  const v: unknown = JSON.parse(body);
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("body must be a JSON object");
  return v as Json;
}

function key(b: Json, url: URL): string {
  const k = b.accessKeyId ?? url.searchParams.get("accessKeyId");
  if (typeof k !== "string" || !k) throw new Error("accessKeyId is required");
  return k;
}

function optKey(b: Json, url: URL): string | undefined {
  const k = b.accessKeyId ?? url.searchParams.get("accessKeyId") ?? undefined;
  return typeof k === "string" && k ? k : undefined;
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

export function handleAdmin(emu: Emulator, method: string, url: URL, rawBody: string): AdminReply {
  const route = `${method} ${url.pathname.replace(/\/+$/, "")}`;
  try {
    const b = parse(rawBody);
    switch (route) {
      case "GET /_emulator/health":
        return ok({ ok: true, url: emu.url });
      case "POST /_emulator/reset":
        emu.reset(optKey(b, url));
        return ok({ ok: true });
      case "POST /_emulator/rate": {
        const rate = b.perSecond;
        if (rate !== null && typeof rate !== "number") throw new Error("perSecond must be a number or null");
        emu.setRate(key(b, url), rate);
        return ok({ ok: true });
      }
      case "POST /_emulator/latency": {
        const spike = b.spike as { probability: number; ms: number } | undefined;
        emu.setLatency(num(b.ms) ?? 0, spike);
        return ok({ ok: true });
      }
      case "POST /_emulator/failures":
        emu.setFailures(b as FailureConfig);
        return ok({ ok: true });
      case "POST /_emulator/paging":
        emu.setPaging({ shortPages: b.shortPages === true, pageCut: num(b.pageCut) });
        return ok({ ok: true });
      case "POST /_emulator/keys/register":
        return ok({ accountId: emu.registerKey(key(b, url)).accountId });
      case "POST /_emulator/keys/revoke":
        emu.revokeKey(key(b, url));
        return ok({ ok: true });
      case "POST /_emulator/quota": {
        const acct = emu.account(key(b, url));
        const users = num(b.usersQuota);
        const groups = num(b.groupsQuota);
        if (users !== undefined) acct.setUsersQuota(users);
        if (groups !== undefined) acct.setGroupsQuota(groups);
        return ok({ ok: true });
      }
      case "POST /_emulator/password-policy":
        emu.account(key(b, url)).setPasswordPolicy((b.policy ?? null) as Partial<PasswordPolicy> | null);
        return ok({ ok: true });
      case "POST /_emulator/seed": {
        const acct = emu.account(key(b, url));
        for (const g of (b.groups ?? []) as SeedGroup[]) if (!g.members) acct.seedGroup(g);
        acct.seedUsers((b.users ?? []) as SeedUser[]);
        for (const g of (b.groups ?? []) as SeedGroup[]) if (g.members) acct.seedGroup(g);
        return ok({ ok: true, accountId: acct.accountId });
      }
      case "GET /_emulator/state":
        return ok(emu.account(key(b, url)).snapshot());
      case "GET /_emulator/counters":
        return ok(emu.counters(key(b, url)));
      case "POST /_emulator/counters/reset":
        emu.resetCounters(optKey(b, url));
        return ok({ ok: true });
      default:
        return { status: 404, body: { error: `no admin route ${route}` } };
    }
  } catch (e) {
    const message = e instanceof IamError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
    return { status: 400, body: { error: message } };
  }
}

function ok(body: unknown): AdminReply {
  return { status: 200, body };
}

import { createHash, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { DashboardConfig } from "../config/schema.js";

/**
 * Who may use the dashboard. Without users or tokens it is open, which is only allowed on loopback; then
 * the Host header must be a loopback name too, so a DNS-rebinding page cannot reach it through the browser.
 * Secrets are compared as SHA-256 digests with timingSafeEqual: equal lengths always, and no early exit
 * that would leak how much of a password matched.
 */
export type Role = "viewer" | "operator";

export interface Principal {
  name: string;
  role: Role;
  via: "basic" | "bearer" | "loopback";
}

export interface AuthSettings {
  open: boolean;
  users: DashboardConfig["users"];
  tokens: DashboardConfig["tokens"];
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]", "::ffff:127.0.0.1"]);

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The host part of a Host header ("127.0.0.1:8080", "[::1]:8080", "localhost"). */
export function hostOfHeader(header: string | undefined): string {
  if (!header) return "";
  const m = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(header.trim());
  return (m?.[1] ?? header).replace(/^\[|\]$/g, "");
}

export class AuthConfigError extends Error {
  override readonly name = "AuthConfigError";
}

export function authSettings(host: string, config: DashboardConfig): AuthSettings {
  const open = config.users.length === 0 && config.tokens.length === 0;
  if (open && !isLoopbackHost(host)) {
    throw new AuthConfigError(
      `dashboard.host is ${host}, beyond loopback: configure dashboard.users or dashboard.tokens (auth is required off loopback)`,
    );
  }
  return { open, users: config.users, tokens: config.tokens };
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The principal an Authorization header proves, or undefined. Every entry is compared, match or not. */
export function authenticate(header: string | undefined, settings: AuthSettings): Principal | undefined {
  if (!header) return undefined;
  const [scheme, credentials = ""] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    const name = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    let found: Principal | undefined;
    for (const u of settings.users) {
      const ok = safeEqual(u.name, name) && safeEqual(u.password, password);
      if (ok && !found) found = { name: u.name, role: u.role, via: "basic" };
    }
    return found;
  }
  if (scheme?.toLowerCase() === "bearer") {
    let found: Principal | undefined;
    for (const t of settings.tokens) {
      if (safeEqual(t.token, credentials) && !found) found = { name: t.name, role: t.role, via: "bearer" };
    }
    return found;
  }
  return undefined;
}

export function wantsJson(req: Request): boolean {
  // originalUrl, not path: inside a mounted router req.path has lost its /api prefix.
  const path = req.originalUrl.split("?")[0] ?? "";
  return path.startsWith("/api/") || path === "/api" || path.startsWith("/queues/api/") || !req.accepts("html");
}

function challenge(settings: AuthSettings): string[] {
  const out: string[] = [];
  if (settings.users.length > 0) out.push('Basic realm="provisioner dashboard", charset="UTF-8"');
  if (settings.tokens.length > 0) out.push('Bearer realm="provisioner dashboard"');
  return out;
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** Sets res.locals.principal, or answers 401 (no or wrong credentials) / 421 (open mode, foreign Host). */
export function authMiddleware(settings: AuthSettings): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (settings.open) {
      if (!isLoopbackHost(hostOfHeader(req.headers.host))) {
        res.status(421).type("text/plain").send("this dashboard answers only to a loopback Host");
        return;
      }
      res.locals.principal = { name: "local", role: "operator", via: "loopback" } satisfies Principal;
      next();
      return;
    }
    const principal = authenticate(req.headers.authorization, settings);
    if (!principal) {
      res.setHeader("WWW-Authenticate", challenge(settings));
      const error = req.headers.authorization ? "invalid credentials" : "authentication required";
      if (wantsJson(req)) res.status(401).json({ error });
      else res.status(401).type("text/plain").send(error);
      return;
    }
    res.locals.principal = principal;
    next();
  };
}

export function requireOperator(req: Request, res: Response, next: NextFunction): void {
  if (principalOf(res).role === "operator") {
    next();
    return;
  }
  const error = "this action needs the operator role";
  if (wantsJson(req)) res.status(403).json({ error });
  else res.status(403).type("text/plain").send(error);
}

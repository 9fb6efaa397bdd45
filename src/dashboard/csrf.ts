import { createHmac, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { type Principal, principalOf, wantsJson } from "./auth.js";

/**
 * CSRF defence, in two layers:
 * 1. Every HTML form carries `_csrf` = HMAC(server secret, principal). Basic auth has no session, so the
 *    principal stands in for one: the token is stable for a user while the process runs and useless to
 *    anyone who cannot read a page as that user. A form POST without it is answered 403.
 * 2. Every state-changing request whose Origin (or Sec-Fetch-Site) says it came from another site is
 *    answered 403 before routing, which also covers bull-board's own PUT/PATCH/POST calls.
 * JSON API calls need `Content-Type: application/json` instead of the token: a browser can only send that
 * cross-site after a CORS preflight, and this server grants none.
 */
export class CsrfTokens {
  constructor(private readonly secret: Buffer) {}

  tokenFor(p: Principal): string {
    return createHmac("sha256", this.secret).update(`${p.via}\n${p.name}`).digest("base64url");
  }

  verify(p: Principal, token: unknown): boolean {
    if (typeof token !== "string" || token.length === 0) return false;
    const expected = Buffer.from(this.tokenFor(p));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

export const CSRF_FIELD = "_csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function forbid(req: Request, res: Response, error: string): void {
  if (wantsJson(req)) res.status(403).json({ error });
  else res.status(403).type("text/plain").send(error);
}

/** Layer 2: refuses cross-site state changes by Origin / Sec-Fetch-Site, whatever the route. */
export function sameOriginOnly(req: Request, res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method)) {
    next();
    return;
  }
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") {
    forbid(req, res, `cross-site request refused (Sec-Fetch-Site: ${site})`);
    return;
  }
  const origin = req.headers.origin;
  if (origin && origin !== "null") {
    let originHost = "";
    try {
      originHost = new URL(origin).host;
    } catch {
      // An unparsable Origin is treated as foreign.
    }
    if (originHost.toLowerCase() !== String(req.headers.host ?? "").toLowerCase()) {
      forbid(req, res, "cross-origin request refused (Origin does not match Host)");
      return;
    }
  } else if (origin === "null") {
    forbid(req, res, "request from an opaque origin refused");
    return;
  }
  next();
}

/** Layer 1, for the HTML form routes (mounted after body parsing). */
export function requireCsrfToken(tokens: CsrfTokens) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!tokens.verify(principalOf(res), body[CSRF_FIELD])) {
      forbid(req, res, "missing or invalid CSRF token: reload the page and submit the form again");
      return;
    }
    next();
  };
}

/** Layer 1 for the JSON API: only JSON bodies, which a cross-site form cannot produce. */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  // Read the header itself: req.is() answers null for a bodiless POST (approve, resume).
  const type = String(req.headers["content-type"] ?? "")
    .split(";")[0]
    ?.trim()
    .toLowerCase();
  if (SAFE_METHODS.has(req.method) || type === "application/json") {
    next();
    return;
  }
  res.status(415).json({ error: "Content-Type must be application/json" });
}

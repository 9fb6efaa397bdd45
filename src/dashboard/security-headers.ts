import { randomBytes } from "node:crypto";
import type { NextFunction, Request, Response } from "express";

/**
 * Security headers for every response, with the Content-Security-Policy scoped per route: the project's
 * pages allow only their own nonce-tagged inline script and style, bull-board's bundled React UI gets what
 * it needs (its own scripts, inline style attributes, its web font), and JSON gets nothing at all.
 */
export function nonceOf(res: Response): string {
  return res.locals.cspNonce as string;
}

const COMMON = "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

function pagePolicy(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; ${COMMON}`;
}

const BULL_BOARD_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; " +
  `font-src 'self' data: https://fonts.gstatic.com; img-src 'self' data:; connect-src 'self'; ${COMMON}`;

const JSON_POLICY = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  const nonce = randomBytes(16).toString("base64");
  res.locals.cspNonce = nonce;
  const policy =
    req.path === "/queues" || req.path.startsWith("/queues/")
      ? req.path.startsWith("/queues/api/")
        ? JSON_POLICY
        : BULL_BOARD_POLICY
      : req.path.startsWith("/api/") || req.path === "/metrics"
        ? JSON_POLICY
        : pagePolicy(nonce);
  res.setHeader("Content-Security-Policy", policy);
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("X-Content-Type-Options", "nosniff");
  // Not "no-referrer": under it browsers send `Origin: null` on form posts, which sameOriginOnly must refuse.
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
  // Pages show user names and failure reasons: keep them out of shared caches and the back-forward cache.
  if (!req.path.startsWith("/queues/static/")) res.setHeader("Cache-Control", "no-store");
  next();
}

import { describe, expect, it } from "vitest";
import { authenticate, authSettings, hostOfHeader, isLoopbackHost, safeEqual } from "../../../src/dashboard/auth.js";
import { CsrfTokens } from "../../../src/dashboard/csrf.js";
import { escapeHtml, html, raw } from "../../../src/dashboard/html.js";
import { REDACTED, redactDeep } from "../../../src/dashboard/redact.js";
import { publicDesired } from "../../../src/dashboard/user-lookup.js";

const dashboard = {
  host: "0.0.0.0",
  port: 8080,
  users: [
    { name: "ops", password: "operator-password", role: "operator" as const },
    { name: "watcher", password: "viewer-password", role: "viewer" as const },
  ],
  tokens: [{ name: "ci", token: "0123456789abcdef0123", role: "operator" as const }],
};
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("dashboard auth", () => {
  it("knows loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "localhost.evil.example", "128.0.0.1", ""])
      expect(isLoopbackHost(h), h).toBe(false);
    expect(hostOfHeader("127.0.0.1:8080")).toBe("127.0.0.1");
    expect(hostOfHeader("[::1]:8080")).toBe("::1");
    expect(hostOfHeader("localhost")).toBe("localhost");
  });

  it("is open only on loopback without users or tokens", () => {
    expect(authSettings("127.0.0.1", { ...dashboard, users: [], tokens: [] }).open).toBe(true);
    expect(() => authSettings("0.0.0.0", { ...dashboard, users: [], tokens: [] })).toThrow(/beyond loopback/);
    expect(authSettings("0.0.0.0", dashboard).open).toBe(false);
    expect(authSettings("127.0.0.1", dashboard).open).toBe(false);
  });

  it("authenticates basic users and bearer tokens with their roles", () => {
    const s = authSettings("0.0.0.0", dashboard);
    expect(authenticate(basic("ops", "operator-password"), s)).toEqual({ name: "ops", role: "operator", via: "basic" });
    expect(authenticate(basic("watcher", "viewer-password"), s)).toEqual({
      name: "watcher",
      role: "viewer",
      via: "basic",
    });
    expect(authenticate("Bearer 0123456789abcdef0123", s)).toEqual({ name: "ci", role: "operator", via: "bearer" });
    expect(authenticate("bearer 0123456789abcdef0123", s)?.name).toBe("ci");
    // A password with a colon, a wrong password, another user's password, a token prefix, garbage.
    expect(authenticate(basic("ops", "operator-password:x"), s)).toBeUndefined();
    expect(authenticate(basic("ops", "viewer-password"), s)).toBeUndefined();
    expect(authenticate("Bearer 0123456789abcdef012", s)).toBeUndefined();
    expect(authenticate("Basic !!!", s)).toBeUndefined();
    expect(authenticate("Digest x", s)).toBeUndefined();
    expect(authenticate(undefined, s)).toBeUndefined();
  });

  it("compares secrets of any length without throwing", () => {
    expect(safeEqual("a", "a")).toBe(true);
    expect(safeEqual("a", "a".repeat(1000))).toBe(false);
    expect(safeEqual("", "")).toBe(true);
  });
});

describe("CSRF tokens", () => {
  it("are per principal and per server secret", () => {
    const a = new CsrfTokens(Buffer.alloc(32, 1));
    const b = new CsrfTokens(Buffer.alloc(32, 2));
    const ops = { name: "ops", role: "operator" as const, via: "basic" as const };
    const other = { name: "ci", role: "operator" as const, via: "bearer" as const };
    const t = a.tokenFor(ops);
    expect(a.verify(ops, t)).toBe(true);
    expect(a.verify(other, t)).toBe(false);
    expect(b.verify(ops, t)).toBe(false);
    expect(a.verify(ops, undefined)).toBe(false);
    expect(a.verify(ops, "")).toBe(false);
    expect(a.verify(ops, ["x"])).toBe(false);
    expect(a.verify(ops, t.slice(1))).toBe(false);
  });
});

describe("HTML escaping", () => {
  it("escapes every interpolated value unless it is already Html", () => {
    const name = `<img src=x onerror="alert(1)">&'`;
    expect(html`<td>${name}</td>`.value).toBe("<td>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;</td>");
    expect(html`<p>${html`<b>${name}</b>`}</p>`.value).toContain("<b>&lt;img");
    expect(html`${[name, raw("<br>")]}`.value).toBe(`${escapeHtml(name)}<br>`);
    expect(html`${undefined}${null}${false}${0}`.value).toBe("0");
  });
});

describe("redaction", () => {
  it("replaces values under secret-looking keys at any depth", () => {
    const data = {
      channel: "people",
      runId: "r1",
      sourceIds: ["a", "b"],
      password: "p",
      nested: { secretAccessKey: "k", apiKey: "k2", token: "t", list: [{ Authorization: "Basic x", keyspace: "ok" }] },
      loginProfile: { password: "x", passwordResetRequired: true },
    };
    expect(redactDeep(data)).toEqual({
      channel: "people",
      runId: "r1",
      sourceIds: ["a", "b"],
      password: REDACTED,
      nested: {
        secretAccessKey: REDACTED,
        apiKey: REDACTED,
        token: REDACTED,
        list: [{ Authorization: REDACTED, keyspace: "ok" }],
      },
      loginProfile: { password: REDACTED, passwordResetRequired: REDACTED },
    });
    expect(redactDeep("plain")).toBe("plain");
    expect(redactDeep(null)).toBeNull();
  });

  it("shows a desired password only as set / not set", () => {
    const base = { sourceId: "u1", userName: "a", path: "/", tags: {}, groups: [], enabled: true, createOnly: [] };
    expect(
      publicDesired({ ...base, loginProfile: { password: "hunter2", passwordResetRequired: true } }).loginProfile,
    ).toEqual({
      password: "set",
      passwordResetRequired: true,
    });
    expect(publicDesired({ ...base, loginProfile: { passwordResetRequired: false } }).loginProfile).toEqual({
      password: "not set",
      passwordResetRequired: false,
    });
    expect(
      JSON.stringify(publicDesired({ ...base, loginProfile: { password: "hunter2", passwordResetRequired: true } })),
    ).not.toContain("hunter2");
    expect(publicDesired(base).loginProfile).toBeNull();
  });
});

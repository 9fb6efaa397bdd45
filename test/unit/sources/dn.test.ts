import { describe, expect, it } from "vitest";
import {
  DnSyntaxError,
  dnEquals,
  escapeDnValue,
  leafValue,
  normalizeDn,
  parseDn,
} from "../../../src/sources/ldap/dn.js";

describe("DN parsing (RFC 4514)", () => {
  it("splits RDNs and multi-valued RDNs, unescaping values", () => {
    expect(parseDn("cn=Smith\\, John+uid=js,ou=People,dc=example,dc=com")).toEqual([
      [
        { type: "cn", value: "Smith, John" },
        { type: "uid", value: "js" },
      ],
      [{ type: "ou", value: "People" }],
      [{ type: "dc", value: "example" }],
      [{ type: "dc", value: "com" }],
    ]);
    expect(parseDn("")).toEqual([]);
  });

  it("decodes hex pairs as UTF-8 and keeps escaped trailing spaces", () => {
    expect(parseDn("cn=Jos\\C3\\A9 M\\c3\\bcller")[0]?.[0]?.value).toBe("José Müller");
    expect(parseDn("cn=a\\ ,dc=x")[0]?.[0]?.value).toBe("a ");
    expect(parseDn("cn=a   ,dc=x")[0]?.[0]?.value).toBe("a");
  });

  it("decodes #-hex BER strings", () => {
    // 0x0c = UTF8String "Admins"; 0x04 OCTET STRING; an INTEGER stays hex.
    expect(parseDn("cn=#0c0641646d696e73")[0]?.[0]?.value).toBe("Admins");
    expect(parseDn("cn=#040141")[0]?.[0]?.value).toBe("A");
    expect(parseDn("cn=#020101")[0]?.[0]).toEqual({ type: "cn", value: "#020101", hex: true });
    expect(normalizeDn("cn=#020101")).not.toBe(normalizeDn("cn=\\#020101"));
  });

  it("accepts quoted values and ';' separators (RFC 1779 writers)", () => {
    expect(parseDn('cn="Smith, John";o=x')).toEqual([
      [{ type: "cn", value: "Smith, John" }],
      [{ type: "o", value: "x" }],
    ]);
  });

  it("rejects what is not a DN", () => {
    expect(() => parseDn("not a dn")).toThrow(DnSyntaxError);
    expect(() => parseDn("cn=x,")).toThrow(DnSyntaxError);
    expect(() => parseDn("c n=x")).toThrow(DnSyntaxError);
    expect(() => parseDn("cn=x\\")).toThrow(DnSyntaxError);
  });
});

describe("DN normalisation", () => {
  const same: Array<[string, string]> = [
    ["cn=Smith\\, John,ou=People,dc=Example,dc=COM", "CN=smith\\2C john, OU=people , DC=example,DC=com"],
    ["cn=Smith\\, John,dc=x", 'cn="Smith, John",dc=x'],
    ["cn=Multi+uid=multi,dc=x", "UID=multi + CN=Multi,dc=x"],
    ["cn=Admins,dc=x", "cn=#0c0641646d696e73,dc=x"],
    ["cn=Admins,dc=x", "2.5.4.3=Admins,0.9.2342.19200300.100.1.25=x"],
    ["cn=\\#hash,dc=x", "cn=\\23hash,dc=x"],
    ['cn=\\"Quoted\\" User,dc=x', "cn=\\22Quoted\\22 User,dc=x"],
    ["cn=José,dc=x", "cn=Jos\\c3\\a9,dc=x"],
    ["cn=李雷,dc=x", "cn=\\e6\\9d\\8e\\e9\\9b\\b7,dc=x"],
    ["cn=a  b,dc=x", "cn=a b,dc=x"],
    ["cn=R\\+D Team,dc=x", "cn=R\\2BD Team,dc=x"],
  ];
  for (const [a, b] of same) {
    it(`${a} ≡ ${b}`, () => {
      expect(normalizeDn(a)).toBe(normalizeDn(b));
      expect(dnEquals(a, b)).toBe(true);
    });
  }

  it("produces one escaped, lower-case form", () => {
    expect(normalizeDn("CN=Smith\\2C John,OU=People,DC=Example")).toBe("cn=smith\\, john,ou=people,dc=example");
    expect(normalizeDn("UID=b+CN=a,dc=x")).toBe("cn=a+uid=b,dc=x");
    expect(normalizeDn("cn=\\23x,dc=x")).toBe("cn=\\#x,dc=x");
  });

  it("keeps different DNs apart", () => {
    expect(dnEquals("cn=a,dc=x", "cn=a,dc=y")).toBe(false);
    expect(dnEquals("cn=a\\,b,dc=x", "cn=a,cn=b,dc=x")).toBe(false);
    expect(dnEquals("cn=a+uid=b,dc=x", "cn=a,uid=b,dc=x")).toBe(false);
  });

  it("escapes values for writing and reads the leaf value", () => {
    expect(escapeDnValue(' #a,b+c"d\\e;<>= ')).toBe('\\ #a\\,b\\+c\\"d\\\\e\\;\\<\\>\\=\\ ');
    expect(leafValue("cn=Smith\\, John,dc=x")).toBe("Smith, John");
  });
});

import type { EqualityFilter, ExtensibleFilter, Filter, SubstringFilter } from "ldapts";
import { describe, expect, it } from "vitest";
import {
  and,
  equals,
  escapeFilterValue,
  inChain,
  or,
  present,
  toLdapFilter,
  wrapFilter,
} from "../../../src/sources/ldap/filter.js";
import { inChainGroupsFilter, inChainMembersFilter, stripOptionalUid } from "../../../src/sources/ldap/groups.js";
import { guidToBytes } from "../../../src/sources/ldap/guid.js";

describe("filter escaping (RFC 4515)", () => {
  it("escapes * ( ) \\ NUL", () => {
    expect(escapeFilterValue("a*)(uid=*")).toBe("a\\2a\\29\\28uid=\\2a");
    expect(escapeFilterValue("back\\slash\0")).toBe("back\\5cslash\\00");
  });

  it("escapes non-ASCII as UTF-8 bytes", () => {
    expect(escapeFilterValue("José")).toBe("Jos\\c3\\a9");
    expect(escapeFilterValue("李")).toBe("\\e6\\9d\\8e");
    expect(escapeFilterValue("😀")).toBe("\\f0\\9f\\98\\80");
  });

  it("escapes every byte of a binary value", () => {
    expect(escapeFilterValue(Buffer.from([0x00, 0x41, 0xff]))).toBe("\\00\\41\\ff");
    expect(equals("objectGUID", guidToBytes("d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6"))).toBe(
      "(objectGUID=\\f4\\d6\\a3\\d7\\2c\\1b\\5e\\4d\\8f\\90\\a1\\b2\\c3\\d4\\e5\\f6)",
    );
  });

  it("builds filters and refuses bad attribute names and empty lists", () => {
    expect(and(equals("uid", "a"), present("mail"))).toBe("(&(uid=a)(mail=*))");
    expect(or(equals("uid", "a"))).toBe("(uid=a)");
    expect(() => equals("uid)(x", "a")).toThrow();
    expect(() => or()).toThrow();
    expect(wrapFilter("objectClass=person")).toBe("(objectClass=person)");
  });

  it("builds AD in-chain filters with the DN escaped", () => {
    expect(inChain("member", "CN=Smith\\, John,OU=Users,DC=corp")).toBe(
      "(member:1.2.840.113556.1.4.1941:=CN=Smith\\5c, John,OU=Users,DC=corp)",
    );
    expect(inChainGroupsFilter("(objectClass=group)", "CN=a(b),DC=corp")).toBe(
      "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=a\\28b\\29,DC=corp))",
    );
    expect(inChainMembersFilter("objectClass=user", "CN=AWS*,DC=corp")).toBe(
      "(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=CN=AWS\\2a,DC=corp))",
    );
  });
});

describe("toLdapFilter", () => {
  function leaves(f: Filter): Filter[] {
    const g = f as Filter & { filters?: Filter[] };
    return g.filters ? g.filters.flatMap(leaves) : [f];
  }

  it("sends escaped UTF-8 and literal UTF-8 as the same bytes", () => {
    const [a, b] = leaves(toLdapFilter(`(|${equals("cn", "José Müller")}(cn=José Müller))`)) as EqualityFilter[];
    expect(a?.value).toBe("José Müller");
    expect(b?.value).toBe("José Müller");
  });

  it("sends binary values as raw octets", () => {
    const f = toLdapFilter(equals("objectGUID", guidToBytes("d7a3d6f4-1b2c-4d5e-8f90-a1b2c3d4e5f6"))) as EqualityFilter;
    expect(Buffer.isBuffer(f.value)).toBe(true);
    expect((f.value as Buffer).toString("hex")).toBe("f4d6a3d72c1b5e4d8f90a1b2c3d4e5f6");
  });

  it("keeps extensible and substring values as text", () => {
    const [chain, sub] = leaves(toLdapFilter(`(&${inChain("member", "CN=José,DC=x")}(cn=Jo*é*))`));
    expect((chain as ExtensibleFilter).value).toBe("CN=José,DC=x");
    expect((sub as SubstringFilter).final).toBe("");
    expect((sub as SubstringFilter).any).toEqual(["é"]);
  });

  it("strips uniqueMember's optional uid", () => {
    expect(stripOptionalUid("uid=bob,dc=x#'0101'B")).toBe("uid=bob,dc=x");
    expect(stripOptionalUid("uid=bob,dc=x")).toBe("uid=bob,dc=x");
  });
});

import { describe, expect, it } from "vitest";
import { completeRanges, parseRangedType, type RangeFetch } from "../../../src/sources/ldap/range.js";

describe("AD ranged retrieval", () => {
  it("parses range options", () => {
    expect(parseRangedType("member;range=0-1499")).toEqual({ attribute: "member", low: 0, high: 1499 });
    expect(parseRangedType("member;range=1500-*")).toEqual({ attribute: "member", low: 1500, high: "*" });
    expect(parseRangedType("member;Range=3000-3999;binary")).toEqual({
      attribute: "member;binary",
      low: 3000,
      high: 3999,
    });
    expect(parseRangedType("member")).toBeUndefined();
    expect(parseRangedType("member;range=x-1")).toBeUndefined();
  });

  /** A fake AD holding `total` member values, answering in slices of `max`. */
  function fakeAd(total: number, max: number) {
    const values = Array.from({ length: total }, (_, k) => `cn=u${k},dc=x`);
    const calls: string[] = [];
    const fetch: RangeFetch = async (dn, requestType) => {
      calls.push(`${dn} ${requestType}`);
      const r = parseRangedType(requestType);
      if (!r) throw new Error("expected a ranged request");
      const end = Math.min(r.low + max, total);
      const high = end >= total ? "*" : String(end - 1);
      return { [`member;range=${r.low}-${high}`]: values.slice(r.low, end) };
    };
    const first = { "member;range=0-1499": values.slice(0, Math.min(1500, total)), cn: ["big"] };
    return { values, calls, fetch, first };
  }

  it("follows slices until the * end", async () => {
    const ad = fakeAd(4_000, 1_500);
    const out = await completeRanges("cn=big,dc=x", ad.first, ad.fetch);
    expect(out.member).toEqual(ad.values);
    expect(out.cn).toEqual(["big"]);
    expect(ad.calls).toEqual(["cn=big,dc=x member;range=1500-*", "cn=big,dc=x member;range=3000-*"]);
  });

  it("needs no follow-up when the first slice is the last", async () => {
    const calls: string[] = [];
    const out = await completeRanges("cn=g", { "member;range=0-*": ["a", "b"] }, async (_, t) => {
      calls.push(t);
      return {};
    });
    expect(out).toEqual({ member: ["a", "b"] });
    expect(calls).toEqual([]);
  });

  it("throws on a missing or non-contiguous slice instead of returning fewer members", async () => {
    await expect(completeRanges("cn=g", { "member;range=0-1": ["a", "b"] }, async () => ({}))).rejects.toThrow(
      /no range slice/,
    );
    await expect(
      completeRanges("cn=g", { "member;range=0-1": ["a", "b"] }, async () => ({ "member;range=5-*": ["f"] })),
    ).rejects.toThrow(/asked for values from 2/);
  });
});

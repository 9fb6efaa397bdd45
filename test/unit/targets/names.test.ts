import { describe, expect, it } from "vitest";
import {
  groupCountProblem,
  groupNameProblem,
  MAX_GROUPS_PER_USER,
  passwordProblem,
  pathProblem,
  tagProblems,
  userNameProblem,
} from "../../../src/targets/aws-iam/names.js";

describe("user and group names", () => {
  it("accepts IAM's character set", () => {
    expect(userNameProblem("alice.smith+ops=1,x@example.com")).toBeUndefined();
    expect(userNameProblem("a_b-c")).toBeUndefined();
    expect(groupNameProblem("Team-Ops_2")).toBeUndefined();
  });

  it("rejects bad characters and lengths, naming the rule", () => {
    expect(userNameProblem("")).toMatch(/1-64/);
    expect(userNameProblem("a".repeat(65))).toMatch(/1-64/);
    expect(userNameProblem("a".repeat(64))).toBeUndefined();
    expect(userNameProblem("alice smith")).toMatch(/may contain only/);
    expect(userNameProblem("élodie")).toMatch(/may contain only/);
    expect(groupNameProblem("g".repeat(128))).toBeUndefined();
    expect(groupNameProblem("g".repeat(129))).toMatch(/1-128/);
    expect(groupNameProblem("a/b")).toMatch(/may contain only/);
  });
});

describe("paths", () => {
  it.each(["/", "/provisioner/", "/provisioner/demo/", "/a-b_c.d/~x/"])("accepts %s", (p) => {
    expect(pathProblem(p)).toBeUndefined();
  });
  it.each(["", "provisioner/", "/provisioner", "/with space/", "/é/"])("rejects %j", (p) => {
    expect(pathProblem(p)).toMatch(/path/);
  });
  it("limits length to 512", () => {
    expect(pathProblem(`/${"a".repeat(510)}/`)).toBeUndefined();
    expect(pathProblem(`/${"a".repeat(511)}/`)).toMatch(/512/);
  });
});

describe("tags", () => {
  it("accepts unicode letters, digits, spaces and the allowed symbols", () => {
    expect(tagProblems({ Team: "Ingénierie 2", "cost:center": "a_b.c/d=e+f-g@h", empty: "" })).toEqual([]);
  });

  it("counts the 2 marker tags against the 50", () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    expect(tagProblems(tags(48))).toEqual([]);
    expect(tagProblems(tags(49)).join()).toMatch(/at most 50 tags/);
    expect(tagProblems(tags(47), { reservedSlots: 3 })).toEqual([]);
    expect(tagProblems(tags(48), { reservedSlots: 3 }).join()).toMatch(/at most 50/);
  });

  it("rejects bad keys and values", () => {
    expect(tagProblems({ "": "x" }).join()).toMatch(/1-128/);
    expect(tagProblems({ ["k".repeat(129)]: "x" }).join()).toMatch(/1-128/);
    expect(tagProblems({ k: "v".repeat(257) }).join()).toMatch(/256/);
    expect(tagProblems({ k: "v".repeat(256) })).toEqual([]);
    expect(tagProblems({ "a,b": "x" }).join()).toMatch(/may contain only/);
    expect(tagProblems({ k: "semi;colon" }).join()).toMatch(/value may contain only/);
    expect(tagProblems({ "aws:foo": "x" }).join()).toMatch(/aws: prefix is reserved/);
    expect(tagProblems({ "AWS:foo": "x" }).join()).toMatch(/reserved/);
    expect(tagProblems({ "provisioner:managed": "x" }).join()).toMatch(/reserved for the provisioner/);
  });

  it("treats keys differing only in case as duplicates", () => {
    expect(tagProblems({ Team: "a", team: "b" }).join()).toMatch(/same to IAM/);
  });
});

describe("groups per user", () => {
  it("allows 10, refuses 11", () => {
    const g = (n: number) => Array.from({ length: n }, (_, i) => `g${i}`);
    expect(MAX_GROUPS_PER_USER).toBe(10);
    expect(groupCountProblem(g(10))).toBeUndefined();
    expect(groupCountProblem(g(11))).toMatch(/at most 10/);
    expect(groupCountProblem([...g(10), "G1"])).toBeUndefined();
  });
});

describe("passwords", () => {
  it("default policy: 8+ characters, 3 of 4 types, not the user name", () => {
    expect(passwordProblem("Abcdef1!", undefined, "alice")).toBeUndefined();
    expect(passwordProblem("abcdefg1A", undefined, "alice")).toBeUndefined();
    expect(passwordProblem("Abc1!", undefined, "alice")).toMatch(/at least 8/);
    expect(passwordProblem("abcdefgh1", undefined, "alice")).toMatch(/3 of/);
    expect(passwordProblem("Alice.Smith1", undefined, "alice.smith1")).toMatch(/user name/);
  });

  it("custom policy: each requirement", () => {
    const policy = {
      minimumPasswordLength: 12,
      requireSymbols: true,
      requireNumbers: true,
      requireUppercaseCharacters: true,
      requireLowercaseCharacters: true,
    };
    expect(passwordProblem("Abcdefghij1!", policy, "bob")).toBeUndefined();
    expect(passwordProblem("Abcdefgh1!", policy, "bob")).toMatch(/at least 12/);
    expect(passwordProblem("abcdefghij1!", policy, "bob")).toMatch(/uppercase/);
    expect(passwordProblem("ABCDEFGHIJ1!", policy, "bob")).toMatch(/lowercase/);
    expect(passwordProblem("Abcdefghijk!", policy, "bob")).toMatch(/digit/);
    expect(passwordProblem("Abcdefghijk1", policy, "bob")).toMatch(/symbol/);
    expect(passwordProblem("short", { minimumPasswordLength: 5 }, "bob")).toBeUndefined();
  });

  it("limits any password to 128 characters and never quotes it", () => {
    const long = `Aa1!${"x".repeat(125)}`;
    const problem = passwordProblem(long, undefined, "bob");
    expect(problem).toMatch(/1-128/);
    expect(problem).not.toContain("xxxx");
  });
});

import { describe, expect, it } from "vitest";
import { TemplateError } from "../../../src/errors/TemplateError.js";
import { compileMapping, isInvalid, mappingAttributes, mapUser, templateProblems } from "../../../src/sync/mapping.js";
import type { DesiredUser } from "../../../src/types.js";
import { makeChannel, person } from "./helpers.js";

const channel = makeChannel({
  mapping: {
    userName: "{{ givenName | asciifold | lower }}.{{ sn | asciifold | lower }}",
    path: { value: "/people/{{ ou }}/", createOnly: true },
    tags: { email: "{{ mail | lower }}", costCenter: { value: "{{ cc }}", createOnly: true }, missing: "{{ nope }}" },
    loginProfile: { password: "{{ userPassword }}", passwordResetRequired: { value: true, createOnly: true } },
  },
  groups: { name: "aws-{{ name | lower }}", include: ["eng-*", "/^ops$/i"], exclude: ["*-old"] },
});

const jose = () =>
  person("u1", "jose", {
    groups: ["eng-Backend", "eng-old", "OPS", "sales"],
    attrs: { givenName: "José", sn: "Müller", ou: "eng", cc: "42", mail: "Jose@X.com", userPassword: "Secret-Pass1" },
  });

function ok(r: ReturnType<typeof mapUser>): DesiredUser {
  if (isInvalid(r)) throw new Error(r.invalid.join("; "));
  return r;
}

describe("mapUser", () => {
  it("maps name, path, tags, login profile, groups and create-only fields", () => {
    const d = ok(mapUser(jose(), compileMapping(channel), channel));
    expect(d).toEqual({
      sourceId: "u1",
      userName: "jose.muller",
      path: "/people/eng/",
      tags: { email: "jose@x.com", costCenter: "42" },
      loginProfile: { password: "Secret-Pass1", passwordResetRequired: true },
      groups: ["aws-eng-backend", "aws-ops"],
      enabled: true,
      createOnly: ["path", "tags.costCenter", "loginProfile.passwordResetRequired"],
    });
  });

  it("uses the channel path by default and no groups when groups are off", () => {
    const c = makeChannel({ options: { groups: false } });
    const d = ok(mapUser(person("u2", "amy", { groups: ["a"] }), compileMapping(c), c));
    expect(d.path).toBe("/provisioner/eng/");
    expect(d.groups).toEqual([]);
    expect(d.loginProfile).toBeUndefined();
  });

  it("marks a disabled person as not enabled", () => {
    const c = makeChannel();
    expect(ok(mapUser(person("u3", "bob", { disabled: true }), compileMapping(c), c)).enabled).toBe(false);
  });

  const invalid = (c: ReturnType<typeof makeChannel>, u: ReturnType<typeof person>) => {
    const r = mapUser(u, compileMapping(c), c);
    if (!isInvalid(r)) throw new Error("expected invalid");
    return r.invalid.join("\n");
  };

  it("rejects a name IAM refuses", () => {
    expect(invalid(makeChannel(), person("u", "bad name!"))).toMatch(/may contain only/);
    expect(invalid(makeChannel(), person("u", "x".repeat(65)))).toMatch(/1-64 characters/);
  });

  it("rejects an empty mapped name", () => {
    expect(invalid(makeChannel(), person("u", ""))).toMatch(/gave an empty name/);
  });

  it("rejects more than 10 groups", () => {
    const u = person("u", "many", { groups: Array.from({ length: 11 }, (_, i) => `g${i}`) });
    expect(invalid(makeChannel(), u)).toMatch(/at most 10 groups \(got 11\)/);
  });

  it("rejects more than 50 tags counting the markers", () => {
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`t${i}`, "{{ uid }}"]));
    const c = makeChannel({ mapping: { userName: "{{ uid }}", tags }, options: { removeAction: "delete" } });
    expect(invalid(c, person("u", "tags"))).toMatch(/at most 50 tags/);
    const fits = makeChannel({
      mapping: { userName: "{{ uid }}", tags: Object.fromEntries(Object.entries(tags).slice(0, 48)) },
      options: { removeAction: "delete" },
    });
    expect(isInvalid(mapUser(person("u", "tags"), compileMapping(fits), fits))).toBe(false);
  });

  it("rejects over-long tag keys and values", () => {
    const c = makeChannel({ mapping: { userName: "{{ uid }}", tags: { ["k".repeat(129)]: "v", long: "{{ big }}" } } });
    const text = invalid(c, person("u", "t", { attrs: { big: "v".repeat(257) } }));
    expect(text).toMatch(/tag key "k+" must be 1-128/);
    expect(text).toMatch(/tag "long" value must be at most 256/);
  });

  it("rejects a bad path", () => {
    const c = makeChannel({ mapping: { userName: "{{ uid }}", path: "people/{{ ou }}", tags: {} } });
    expect(invalid(c, person("u", "p", { attrs: { ou: "x" } }))).toMatch(/IAM path/);
  });

  it("rejects a missing password when a login profile is mapped", () => {
    const c = makeChannel({
      mapping: { userName: "{{ uid }}", tags: {}, loginProfile: { password: "{{ pw }}", passwordResetRequired: true } },
    });
    expect(invalid(c, person("u", "nopw"))).toMatch(/password template .* gave nothing/);
  });

  it("checks the password against the account policy when known", () => {
    const c = makeChannel({
      mapping: { userName: "{{ uid }}", tags: {}, loginProfile: { password: "{{ pw }}", passwordResetRequired: true } },
    });
    const u = person("u", "weak", { attrs: { pw: "short" } });
    expect(isInvalid(mapUser(u, compileMapping(c), c))).toBe(false);
    const r = mapUser(u, compileMapping(c), c, { passwordPolicy: "default" });
    expect(isInvalid(r) && r.invalid.join()).toMatch(/at least 8/);
    expect(JSON.stringify(r)).not.toContain('"short"');
  });

  it("rejects a group name IAM refuses", () => {
    const c = makeChannel({ groups: { name: "{{ name }}", include: [], exclude: [] } });
    expect(invalid(c, person("u", "g", { groups: ["has space"] }))).toMatch(/group "has space"/);
  });
});

describe("compile-time checks", () => {
  it("throws TemplateError naming the YAML path", () => {
    const c = makeChannel({ mapping: { userName: "{{ uid | nope }}", tags: {} } });
    expect(() => compileMapping(c)).toThrow(TemplateError);
    expect(() => compileMapping(c)).toThrow(/channels\.eng\.mapping\.userName/);
  });

  it("reports every bad template with its path", () => {
    const c = makeChannel({
      mapping: {
        userName: "{{ uid | lowr }}",
        path: { value: "{{ ou", createOnly: true },
        tags: { ok: "{{ mail }}", bad: "{{ mail | truncate(x) }}", "provisioner:managed": "x" },
        loginProfile: { password: "{{ }}", passwordResetRequired: true },
      },
      groups: { name: "{{ name | nope }}", include: ["/([/"], exclude: [] },
    });
    const paths = templateProblems(c).map((p) => p.path.join("."));
    expect(paths).toEqual([
      "channels.eng.mapping.userName",
      "channels.eng.mapping.path.value",
      "channels.eng.mapping.tags.bad",
      "channels.eng.mapping.tags.provisioner:managed",
      "channels.eng.mapping.loginProfile.password",
      "channels.eng.groups.name",
      "channels.eng.groups.include.0",
    ]);
    expect(templateProblems(makeChannel())).toEqual([]);
  });

  it("lists the attributes the mapping reads", () => {
    expect(mappingAttributes(channel)).toEqual(["cc", "givenname", "mail", "nope", "ou", "sn", "userpassword"]);
  });
});

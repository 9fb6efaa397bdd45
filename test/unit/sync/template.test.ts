import { describe, expect, it } from "vitest";
import { TemplateError } from "../../../src/errors/TemplateError.js";
import { asciifold } from "../../../src/sync/asciifold.js";
import { parseTemplate } from "../../../src/sync/template.js";

const attrs: Record<string, string[]> = {
  givenname: ["José"],
  sn: ["Łukasz-Straße"],
  mail: ["Jane.Doe@Example.COM", "second@example.com"],
  padded: ["  x  "],
  empty: [""],
};
const render = (src: string) => parseTemplate(src).render((n) => attrs[n]?.[0]);

describe("templates", () => {
  it("mixes constants and attribute references, case-insensitively, first value of many", () => {
    expect(render("user-{{ GivenName }}")).toBe("user-José");
    expect(render("{{mail}}")).toBe("Jane.Doe@Example.COM");
    expect(render("plain constant")).toBe("plain constant");
    expect(render("{{ 'quoted' | upper }}")).toBe("QUOTED");
  });

  it("treats a missing attribute as empty", () => {
    expect(render("a{{ nothing }}b")).toBe("ab");
  });

  it.each([
    ["{{ mail | lower }}", "jane.doe@example.com"],
    ["{{ mail | upper }}", "JANE.DOE@EXAMPLE.COM"],
    ["[{{ padded | trim }}]", "[x]"],
    ["{{ mail | localpart }}", "Jane.Doe"],
    ["{{ mail | domain }}", "Example.COM"],
    ["{{ givenName | localpart }}", "José"],
    ["{{ givenName | domain }}", ""],
    ['{{ mail | replace(".", "_") }}', "Jane_Doe@Example_COM"],
    ['{{ nothing | default("none") }}', "none"],
    ['{{ empty | default("none") }}', "none"],
    ['{{ sn | default("none") }}', "Łukasz-Straße"],
    ["{{ mail | truncate(4) }}", "Jane"],
    ["{{ givenName | truncate(0) }}", ""],
    ["{{ givenName | asciifold }}", "Jose"],
    ["{{ sn | asciifold | lower }}", "lukasz-strasse"],
    ['{{ givenName | asciifold | lower }}.{{ sn | asciifold | lower | replace("-", "") }}', "jose.lukaszstrasse"],
  ])("%s → %s", (src, out) => {
    expect(render(src)).toBe(out);
  });

  it("folds to ASCII", () => {
    expect(asciifold("José")).toBe("Jose");
    expect(asciifold("ß")).toBe("ss");
    expect(asciifold("Łódź")).toBe("Lodz");
    expect(asciifold("Øre Ærø Œuvre")).toBe("Ore AEro OEuvre");
    expect(asciifold("Ångström Çelik Dvořák")).toBe("Angstrom Celik Dvorak");
    expect(asciifold("ﬁ")).toBe("fi");
  });

  it("lists the attributes it reads, lower-cased", () => {
    expect(parseTemplate("{{ givenName }}.{{ SN | lower }}-{{ sn }}").attributes).toEqual(["givenname", "sn"]);
    expect(parseTemplate("constant").constant).toBe(true);
  });

  it.each([
    ["{{ mail | lowr }}", 11, /unknown filter "lowr"/],
    ["ab{{ mail", 3, /unclosed/],
    ["{{ }}", 1, /empty expression/],
    ["{{ mail | truncate }}", 11, /takes 1 argument/],
    ['{{ mail | truncate("x") }}', 11, /whole number/],
    ["{{ mail | replace('a') }}", 11, /takes 2 arguments/],
    ["{{ mail lower }}", 9, /expected '\|' or '}}'/],
    ["{{ 'open }}", 4, /unterminated string/],
    ["{{ 5 }}", 4, /expected an attribute name/],
  ])("rejects %s at position %i", (src, pos, message) => {
    try {
      parseTemplate(src, "channels.eng.mapping.userName");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TemplateError);
      const e = err as TemplateError;
      expect(e.position).toBe(pos);
      expect(e.message).toMatch(message);
      expect(e.message).toContain("channels.eng.mapping.userName");
      expect(e.message).toContain(src);
    }
  });
});

import { describe, expect, it } from "vitest";
import { MembershipGraph } from "../../../src/sources/closure.js";

describe("nested group closure", () => {
  it("follows a chain A > B > C", () => {
    const g = new MembershipGraph();
    g.addNesting("A", "B");
    g.addNesting("B", "C");
    expect([...g.ancestors("C")].sort()).toEqual(["A", "B", "C"]);
    expect([...g.descendants("A")].sort()).toEqual(["A", "B", "C"]);
    expect([...g.closureOf(["B"])].sort()).toEqual(["A", "B"]);
  });

  it("survives cycles, including self-membership", () => {
    const g = new MembershipGraph();
    g.addNesting("X", "Y");
    g.addNesting("Y", "X");
    g.addNesting("Z", "Z");
    g.addNesting("W", "X");
    expect([...g.ancestors("X")].sort()).toEqual(["W", "X", "Y"]);
    expect([...g.descendants("Y")].sort()).toEqual(["X", "Y"]);
    expect([...g.ancestors("Z")]).toEqual(["Z"]);
  });

  it("handles a long cycle and diamonds", () => {
    const g = new MembershipGraph();
    const n = 10_000;
    for (let k = 0; k < n; k++) g.addNesting(`g${k}`, `g${(k + 1) % n}`);
    expect(g.ancestors("g0").size).toBe(n);
    const d = new MembershipGraph();
    d.addNesting("top", "left");
    d.addNesting("top", "right");
    d.addNesting("left", "bottom");
    d.addNesting("right", "bottom");
    expect([...d.ancestors("bottom")].sort()).toEqual(["bottom", "left", "right", "top"]);
  });

  it("is updated by later edges", () => {
    const g = new MembershipGraph();
    g.addNesting("A", "B");
    expect([...g.ancestors("B")].sort()).toEqual(["A", "B"]);
    g.addNesting("Root", "A");
    expect([...g.ancestors("B")].sort()).toEqual(["A", "B", "Root"]);
  });
});

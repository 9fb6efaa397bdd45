import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { WORKER_NODE_FLAGS } from "../../../src/cli/node-flags.js";

const root = resolve(import.meta.dirname, "../../..");
const read = (path: string) => readFileSync(resolve(root, path), "utf8");

describe("worker node flags", () => {
  it("bin/provisioner.js's shebang runs node with exactly WORKER_NODE_FLAGS", () => {
    const shebang = read("bin/provisioner.js").split("\n")[0] ?? "";
    expect(shebang).toBe(`#!/usr/bin/env -S node ${WORKER_NODE_FLAGS.join(" ")}`);
  });

  it("the image's ENTRYPOINT runs node with exactly WORKER_NODE_FLAGS", () => {
    const line = read("Dockerfile")
      .split("\n")
      .find((l) => l.startsWith("ENTRYPOINT"));
    expect(JSON.parse(line?.slice("ENTRYPOINT".length) ?? "[]")).toEqual([
      "node",
      ...WORKER_NODE_FLAGS,
      "bin/provisioner.js",
    ]);
  });
});

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/log/logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe("logger", () => {
  it("redacts secret fields wherever they sit", () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info(
      { bindPassword: "p1", desired: { loginProfile: { password: "p2" } }, target: { secretAccessKey: "p3" } },
      "x",
    );
    const text = lines.join("");
    for (const s of ["p1", "p2", "p3"]) expect(text).not.toContain(`"${s}"`);
    expect(text).toContain("[REDACTED]");
  });

  it("scrubs resolved secret values from free text and error messages", () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, secretValues: ["hunter2-secret"] });
    log.error({ err: new Error("bind failed for hunter2-secret") }, "could not use hunter2-secret");
    const text = lines.join("");
    expect(text).not.toContain("hunter2-secret");
    expect(text).toContain("bind failed for [REDACTED]");
  });
});

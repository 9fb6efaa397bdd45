import { afterEach, describe, expect, it, vi } from "vitest";
import { collectAfterRun } from "../../../workers/after-run-gc.js";

const g = globalThis as { gc?: () => void };
const original = g.gc;

afterEach(() => {
  vi.useRealTimers();
  if (original) g.gc = original;
  else delete g.gc;
});

describe("collectAfterRun", () => {
  it("runs one full collection shortly after a run, off its path", () => {
    vi.useFakeTimers();
    const gc = vi.fn();
    g.gc = gc;
    collectAfterRun();
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it("does nothing when the process runs without --expose-gc", () => {
    vi.useFakeTimers();
    delete g.gc;
    collectAfterRun();
    expect(vi.getTimerCount()).toBe(0);
  });
});

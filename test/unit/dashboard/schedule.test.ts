import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { ChannelConfig } from "../../../src/config/schema.js";
import { describeIssue, purgeBody, replayBody, syncBody } from "../../../src/dashboard/actions.js";
import { nextRuns } from "../../../src/dashboard/schedule.js";
import type { RunRecord } from "../../../src/queue/runs.js";

const channel = (schedule: Partial<ChannelConfig["schedule"]>, active = true) =>
  ({ name: "people", active, schedule: { timezone: "UTC", ...schedule } }) as ChannelConfig;
const run = (startedAt: string) => ({ startedAt }) as RunRecord;
const now = new Date("2026-03-10T10:00:00.000Z");

describe("next scheduled runs", () => {
  it("full: the cron expression's next time in its time zone", () => {
    expect(nextRuns(channel({ full: "0 3 * * *" }), undefined, now)).toEqual([
      { mode: "full", at: "2026-03-11T03:00:00.000Z", text: "2026-03-11T03:00:00.000Z (0 3 * * * UTC)" },
    ]);
    expect(nextRuns(channel({ full: "0 3 * * *", timezone: "Europe/Berlin" }), undefined, now)[0]?.at).toBe(
      "2026-03-11T02:00:00.000Z",
    );
  });

  it("incremental: last start + interval while ahead, else within the interval", () => {
    expect(nextRuns(channel({ incremental: "15m" }), run("2026-03-10T09:50:00.000Z"), now)).toEqual([
      { mode: "incremental", at: "2026-03-10T10:05:00.000Z", text: "2026-03-10T10:05:00.000Z" },
    ]);
    expect(nextRuns(channel({ incremental: "15m" }), run("2026-03-10T09:00:00.000Z"), now)).toEqual([
      { mode: "incremental", text: "within 15m" },
    ]);
    expect(nextRuns(channel({ incremental: "15m" }), undefined, now)).toEqual([
      { mode: "incremental", text: "within 15m" },
    ]);
    expect(nextRuns(channel({ incremental: 60_000 }), undefined, now)).toEqual([
      { mode: "incremental", text: "within 60000 ms" },
    ]);
  });

  it("nothing for inactive or unscheduled channels", () => {
    expect(nextRuns(channel({ full: "0 3 * * *" }, false), undefined, now)).toEqual([]);
    expect(nextRuns(channel({}), undefined, now)).toEqual([]);
  });
});

describe("action bodies", () => {
  const issue = (schema: z.ZodType, body: unknown) => {
    const r = schema.safeParse(body);
    return r.success ? "ok" : describeIssue(r.error);
  };
  it("name the offending field", () => {
    expect(issue(syncBody, { full: true, allowDeletions: false })).toBe("ok");
    expect(issue(syncBody, { full: "x" })).toMatch(/^full: /);
    expect(issue(syncBody, { wat: 1 })).toBe('unknown field "wat"');
    expect(issue(replayBody, { failed: true })).toBe("ok");
    expect(issue(replayBody, { sourceIds: ["a"] })).toBe("ok");
    expect(issue(replayBody, { sourceIds: [""] })).toMatch(/^sourceIds\.0: /);
    expect(issue(replayBody, {})).toBe("sourceIds: give either sourceIds or failed: true");
    expect(issue(purgeBody, { all: true })).toBe("ok");
    expect(issue(purgeBody, { channel: "people" })).toBe("ok");
    expect(issue(purgeBody, { all: false })).toBe("channel: give channel, ids or all: true");
    expect(issue(z.object({ a: z.string() }), {})).toMatch(/^a: /);
  });
});

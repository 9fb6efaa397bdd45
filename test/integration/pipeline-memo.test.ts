import { UntagUserCommand } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { keys } from "../../src/queue/names.js";
import { iamClient } from "../support/iam-emulator/testing.js";
import { type ChannelSpec, Pipeline, people, pipelineFixture } from "../support/pipeline.js";

/**
 * Memos against the real parts: slapd's entries fingerprinted by the LDAP store itself (no groups, so
 * unchanged entries are settled before they are decoded), Redis holding the memos the provision jobs
 * and the plan write. A skipped person must still be noticed the moment the entry, the configuration or
 * applied state says something changed.
 */
const N = 200;
const staff = people(N);
const plain: ChannelSpec = { name: "staff", target: "acct", groups: false };

describe("pipeline: incremental runs skip unchanged people on their memos", () => {
  const f = pipelineFixture(async (emu) => {
    const pl = await new Pipeline({ emulator: emu, label: "pl-memo", channels: [plain] }).setup({ people: staff });
    await pl.startWorkers();
    return pl;
  });

  it("the provision jobs leave a memo per person, and the next run skips all of them with zero calls", async () => {
    const { emu, pl } = f;
    const first = await pl.run();
    expect(first.counts.created).toBe(N);
    expect(first.skippedOnMemo).toBe(0);
    expect(await pl.ctx.redis.hlen(keys.memos(pl.prefix, "staff"))).toBe(N);

    emu.resetCounters(pl.keys.acct);
    const second = await pl.run();
    expect(second).toMatchObject({ status: "completed", planned: 0, unchanged: N, skippedOnMemo: N });
    expect(emu.counters(pl.keys.acct as string).writes).toBe(0);
  });

  it("a changed entry is mapped again and updated; the others stay skipped", async () => {
    const { emu, pl } = f;
    await pl.modify(
      ["dn: uid=user00007,ou=people,@BASE@", "changetype: modify", "replace: mail", "mail: moved@example.com", ""].join(
        "\n",
      ),
    );
    emu.resetCounters(pl.keys.acct);
    const run = await pl.run();
    expect(run).toMatchObject({ status: "completed", planned: 1, skippedOnMemo: N - 1 });
    expect(run.counts.updated).toBe(1);
    const tags = pl.managedUsers().find((u) => u.userName === "user00007")?.tags;
    expect(tags?.find((t) => t.Key === "email")?.Value).toBe("moved@example.com");
    // Its new memo came from the provision job: the run after skips everyone again.
    expect(await pl.run()).toMatchObject({ planned: 0, skippedOnMemo: N });
  });

  it("a changed mapping makes every memo stale: everyone is updated once, then skipped again", async () => {
    const { pl } = f;
    await pl.reconfigure([{ ...plain, tags: { email: "{{ mail | lower }}", team: "platform" } }]);
    const run = await pl.run();
    expect(run).toMatchObject({ status: "completed", skippedOnMemo: 0 });
    expect(run.counts.updated).toBe(N);
    expect(pl.managedUsers().every((u) => u.tags.some((t) => t.Key === "team" && t.Value === "platform"))).toBe(true);
    expect(await pl.run()).toMatchObject({ planned: 0, skippedOnMemo: N });
  });

  it("a full run that repairs a hand-edited user leaves every memo true: the next run skips everyone", async () => {
    const { emu, pl } = f;
    // Someone edits a managed user by hand in AWS; the full run repairs it and rewrites applied state.
    const iam = iamClient(emu, pl.keys.acct as string);
    await iam.send(new UntagUserCommand({ UserName: "user00011", TagKeys: ["team"] }));
    const full = await pl.run({ mode: "full" });
    expect(full.counts.updated).toBe(1);
    const after = await pl.run();
    // The repaired user's memo was rewritten by its provision job; everyone's survived the full run.
    expect(after).toMatchObject({ status: "completed", planned: 0, skippedOnMemo: N });
  });

  it("a leaver's memo goes with their applied state: back with the very same entry, they are created again", async () => {
    const { pl } = f;
    const sourceId = pl
      .managedUsers()
      .find((u) => u.userName === "user00020")
      ?.tags.find((t) => t.Key === "provisioner:source-id")?.Value as string;
    expect(await pl.ctx.redis.hexists(keys.memos(pl.prefix, "staff"), sourceId)).toBe(1);
    const toggle = (op: "add" | "delete") =>
      pl.modify(
        [
          "dn: uid=user00020,ou=people,@BASE@",
          "changetype: modify",
          `${op}: employeeType`,
          "employeeType: disabled",
          "",
        ].join("\n"),
      );
    await toggle("add");
    const gone = await pl.run();
    expect(gone.counts.deleted).toBe(1);
    expect(await pl.ctx.redis.hexists(keys.memos(pl.prefix, "staff"), sourceId)).toBe(0);
    await toggle("delete");
    const back = await pl.run();
    expect(back.counts.created).toBe(1);
    expect(back.skippedOnMemo).toBe(N - 1);
    expect(pl.managedUsers()).toHaveLength(N);
  });
});

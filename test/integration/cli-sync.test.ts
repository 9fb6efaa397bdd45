import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/queue/runs.js";
import { Pipeline, people, pipelineFixture } from "../support/pipeline.js";

/**
 * `provisioner sync --inline --wait --json` as cron would run it: a separate process, nothing else running
 * (no worker, no scheduler), its exit code telling the outcome.
 */
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/provisioner.js");

function cli(args: string[], config: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args, "--config", config],
      { env: { ...process.env, PROVISIONER_FROM_SOURCE: "1" }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as NodeJS.ErrnoException & { code?: number }).code as unknown as number) : 0;
        done({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}

describe("provisioner sync --inline --wait --json", () => {
  const f = pipelineFixture(async (emu) => {
    const pl = await new Pipeline({
      emulator: emu,
      label: "cli-sync",
      channels: [{ name: "staff", target: "acct", guards: { maxDeletes: "10%" } }],
    }).setup({ people: [...people(30), { uid: "bad name!", cn: "Bad" }] });
    return pl;
  });

  it("exits 2 when some users were dead-lettered, with a JSON run summary", async () => {
    const { pl } = f;
    const r = await cli(["sync", "staff", "--inline", "--wait", "--json"], pl.configFile);
    expect(r.code, r.stderr).toBe(2);
    const run = JSON.parse(r.stdout) as RunRecord;
    expect(run).toMatchObject({
      channel: "staff",
      status: "completed_with_failures",
      counts: { created: 30, invalid: 1 },
    });
    expect(pl.managedUsers()).toHaveLength(30);
  });

  it("exits 0 when everything applied", async () => {
    const { pl } = f;
    await pl.modify(["dn: uid=bad name!,ou=people,@BASE@", "changetype: delete", ""].join("\n"));
    await pl.ctx.deadLetters.purge("staff");
    const r = await cli(["sync", "staff", "--inline", "--json"], pl.configFile);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as RunRecord).status).toBe("completed");
    // Nothing left to do: the human summary says how many were unchanged and how many of them were
    // settled on their memo without being mapped again.
    const again = await cli(["sync", "staff", "--inline"], pl.configFile);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toMatch(/users: none changed; (\d+) unchanged \(\1 skipped on their memo\)/);
  });

  it("exits 3 when the deletion guard blocks a mass removal, removes nothing, and applies it with --allow-deletions", async () => {
    const { pl } = f;
    // 10 of 30 people leave: over the channel's 10% limit.
    await pl.modify(
      Array.from(
        { length: 10 },
        (_, i) => `dn: uid=user${String(i).padStart(5, "0")},ou=people,@BASE@\nchangetype: delete\n`,
      ).join("\n"),
    );
    const blocked = await cli(["sync", "staff", "--inline", "--json"], pl.configFile);
    expect(blocked.code, blocked.stderr).toBe(3);
    const run = JSON.parse(blocked.stdout) as RunRecord;
    expect(run.status).toBe("blocked");
    expect(run.reasons.join(" ")).toMatch(/10 removals .* exceed maxDeletes 3 \(10% of 30 managed\)/);
    expect(pl.managedUsers()).toHaveLength(30);

    const approved = await cli(["sync", "staff", "--inline", "--json", "--allow-deletions"], pl.configFile);
    expect(approved.code, approved.stderr).toBe(0);
    expect((JSON.parse(approved.stdout) as RunRecord).counts.deleted).toBe(10);
    expect(pl.managedUsers()).toHaveLength(20);
  });

  it("exits 1 naming the channel when it does not exist", async () => {
    const { pl } = f;
    const r = await cli(["sync", "nope", "--inline"], pl.configFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown channel "nope" \(known: staff\)/);
  });

  it("status --json shows the runs, the queues and the target", async () => {
    const { pl } = f;
    const r = await cli(["status", "--json"], pl.configFile);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.channels[0].runs.length).toBeGreaterThanOrEqual(3);
    expect(s.targets[0]).toMatchObject({ name: "acct", healthy: true, paused: false });
    expect(Object.keys(s.queues)).toEqual(["snapshot", "provision-acct", "dead-letter"]);
  });
});

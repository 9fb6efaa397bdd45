import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { waitForRun } from "../../src/cli/wait.js";
import { loadConfigText } from "../../src/config/load.js";
import { silentLogger } from "../../src/log/logger.js";
import { QueueContext } from "../../src/queue/context.js";
import { requestRun } from "../../src/queue/control.js";
import { startWorkers } from "../../workers/start.js";
import { uniqueName } from "../support/env.js";
import { type Person, Pipeline, people, pipelineFixture } from "../support/pipeline.js";

/**
 * The spine end to end: real slapd → snapshot → provision jobs in Redis → real SDK → the IAM emulator.
 * One pipeline walks through a full sync, a no-op second run and directory changes.
 */
const N = 1_000;
const staff = people(N, { password: true });
const groups: Record<string, string[]> = {
  engineering: staff.filter((_, i) => i % 2 === 0).map((p) => p.uid),
  sales: staff.filter((_, i) => i % 2 === 1).map((p) => p.uid),
  "on-call": staff.filter((_, i) => i % 10 === 0).map((p) => p.uid),
  admins: staff.slice(0, 5).map((p) => p.uid),
};

function expectedGroups(p: Person): string[] {
  return Object.entries(groups)
    .filter(([, members]) => members.includes(p.uid))
    .map(([g]) => g)
    .sort();
}

describe("pipeline: full sync, no-op rerun, incremental changes", () => {
  const f = pipelineFixture(async (emu) => {
    const pl = await new Pipeline({ emulator: emu, label: "pl-sync" }).setup({ people: staff, groups });
    await pl.startWorkers();
    return pl;
  });

  it("a full sync of 1,000 people with groups leaves IAM equal to the directory", async () => {
    const { pl } = f;
    const run = await pl.run({ mode: "full" });
    expect(run.status).toBe("completed");
    expect(run.counts.created).toBe(N);
    expect(run.groups.create).toBe(4);

    const users = pl.managedUsers();
    expect(users).toHaveLength(N);
    const byName = new Map(users.map((u) => [u.userName, u]));
    for (const p of staff) {
      const u = byName.get(p.uid);
      expect(u, p.uid).toBeDefined();
      if (!u) continue;
      expect(u.path).toBe("/provisioner/staff/");
      const tags = Object.fromEntries(u.tags.map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({ email: p.mail, name: p.cn, "provisioner:managed": "staff" });
      expect(tags["provisioner:source-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect([...u.groups].sort()).toEqual(expectedGroups(p));
      expect(u.loginProfile?.passwordResetRequired).toBe(true);
      expect(u.loginProfile?.password).toBe(p.password);
    }
    const snapshot = pl.account().snapshot();
    expect(
      snapshot.groups
        .filter((g) => g.path === "/provisioner/staff/")
        .map((g) => g.groupName)
        .sort(),
    ).toEqual(Object.keys(groups).sort());

    // Exactly the minimal calls: CreateUser + CreateLoginProfile + one AddUserToGroup per membership.
    const memberships = Object.values(groups).reduce((n, m) => n + m.length, 0);
    expect(run.calls.CreateUser).toBe(N);
    expect(run.calls.CreateLoginProfile).toBe(N);
    expect(run.calls.AddUserToGroup).toBe(memberships);
  });

  it("a second run, incremental or full, makes zero write calls", async () => {
    const { emu, pl } = f;
    emu.resetCounters(pl.keys.acct);
    const incremental = await pl.run({ mode: "incremental" });
    expect(incremental.status).toBe("completed");
    expect(incremental.planned).toBe(0);
    // Every person was skipped on the memo their provision job left: nobody was mapped again.
    expect(incremental).toMatchObject({ unchanged: N, skippedOnMemo: N });
    const full = await pl.run({ mode: "full" });
    expect(full.status).toBe("completed");
    expect(full.planned).toBe(0);
    const counters = emu.counters(pl.keys.acct as string);
    expect(counters.writes).toBe(0);
    // The full run read the account in bulk: ⌈(1,001 users + 4 groups) / 1,000⌉ pages, plus GetUser once.
    expect(counters.byAction.GetAccountAuthorizationDetails?.calls).toBe(2);
  });

  it("attribute changes, a disable, a deletion and a membership change reach IAM in the next incremental run", async () => {
    const { emu, pl } = f;
    await pl.modify(
      [
        "dn: uid=user00001,ou=people,@BASE@",
        "changetype: modify",
        "replace: mail",
        "mail: renamed00001@example.com",
        "",
        "dn: uid=user00002,ou=people,@BASE@",
        "changetype: modify",
        "add: employeeType",
        "employeeType: disabled",
        "",
        "dn: uid=user00003,ou=people,@BASE@",
        "changetype: delete",
        "",
        "dn: cn=admins,ou=groups,@BASE@",
        "changetype: modify",
        "add: member",
        "member: uid=user00009,ou=people,@BASE@",
        "",
      ].join("\n"),
    );
    emu.resetCounters(pl.keys.acct);
    const run = await pl.run({ mode: "incremental" });
    expect(run.status).toBe("completed");
    // removeAction is delete: the disabled person and the deleted one are both removed.
    expect(run.counts).toMatchObject({ updated: 2, deleted: 2 });
    // The new mail, the disable and the new membership (a group entry's change) each defeat the memo.
    expect(run.skippedOnMemo).toBe(N - 4);
    const byName = new Map(pl.managedUsers().map((u) => [u.userName, u]));
    expect(byName.get("user00001")?.tags.find((t) => t.Key === "email")?.Value).toBe("renamed00001@example.com");
    expect(byName.has("user00002")).toBe(false);
    expect(byName.has("user00003")).toBe(false);
    expect(byName.get("user00009")?.groups).toContain("admins");
    expect(pl.managedUsers()).toHaveLength(N - 2);
    const c = emu.counters(pl.keys.acct as string).byAction;
    expect(c.TagUser?.calls).toBe(1);
    expect(c.AddUserToGroup?.calls).toBe(1);
    expect(c.DeleteUser?.calls).toBe(2);
    expect(c.CreateUser).toBeUndefined();
  });

  it("after Redis loses everything, one full run rebuilds the state from AWS's tags with zero writes", async () => {
    const { emu, pl } = f;
    // A fresh prefix is an empty Redis: no applied state, no runs, no queues, same directory and account.
    const cfg = pl.configObject() as { redis: { prefix: string } };
    cfg.redis.prefix = `{${uniqueName("pl-lost")}}`;
    const ctx = new QueueContext(loadConfigText(stringify(cfg), "lost.yaml", {}).config);
    const workers = await startWorkers(ctx, { roles: { snapshot: true, provision: true }, logger: silentLogger });
    try {
      emu.resetCounters(pl.keys.acct);
      const run = async (mode: "full" | "incremental") => {
        const { runId } = await requestRun(ctx, { channel: "staff", mode, trigger: "cli" });
        return waitForRun(ctx.runs, runId, { timeoutMs: 60_000, pollMs: 100 });
      };
      const full = await run("full");
      expect(full.status).toBe("completed");
      expect(full.planned).toBe(0);
      const incremental = await run("incremental");
      expect(incremental.planned).toBe(0);
      expect(emu.counters(pl.keys.acct as string).writes).toBe(0);
    } finally {
      await workers.close();
      await ctx.close();
    }
  });
});

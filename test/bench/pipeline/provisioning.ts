/**
 * Scenarios 1 and 2: new users provisioned into emulated accounts, each with its own true rate, while the
 * configured maxRequestsPerSecond is too high. One worker process (this one) serves every account's queue;
 * the emulator's counters give what each account accepted and throttled.
 */
import { waitForRun } from "../../../src/cli/wait.js";
import { requestRun } from "../../../src/queue/control.js";
import type { RunRecord } from "../../../src/queue/runs.js";
import { type CounterReport, type IamEmulator, startIamEmulator } from "../../support/iam-emulator/index.js";
import { applyLdif } from "../../support/ldap-fixtures.js";
import { type ChannelSpec, groupLdif, Pipeline, people } from "../../support/pipeline.js";
import {
  accepted,
  type Child,
  CounterSampler,
  clearPrefix,
  forkChild,
  type PhaseWindow,
  sumCounters,
  within,
} from "./common.js";

export interface AccountSpec {
  /** The emulator's true rate for this account (requests/s). */
  rate: number;
  users: number;
}

export interface ProvisioningParams {
  accounts: AccountSpec[];
  /** Every target's configured maxRequestsPerSecond. */
  configuredRate: number;
  groupsPerUser: number;
  /** Groups per channel; each user is in `groupsPerUser` consecutive ones. */
  groupCount: number;
  /** provisioning.concurrency: jobs in flight per target queue in this process. */
  concurrency: number;
  label: string;
}

const MINIMAL = ["CreateUser", "CreateLoginProfile", "AddUserToGroup"];

/** Each channel reads its own people OU and its own groups OU, so its snapshot sees only its groups. */
class BenchPipeline extends Pipeline {
  override configObject(): Record<string, unknown> {
    const config = super.configObject();
    const channels = config.channels as Record<string, { source: { groups: { baseDn: string } } }>;
    for (const c of this.channels) {
      const ch = channels[c.name];
      if (ch) ch.source.groups.baseDn = `ou=groups-${c.name},${this.base}`;
    }
    return config;
  }
}

export function groupsFor(uids: string[], groupCount: number, perUser: number): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (let g = 0; g < groupCount; g++) groups[`team-${g}`] = [];
  uids.forEach((uid, i) => {
    for (let j = 0; j < perUser; j++) groups[`team-${(i + j) % groupCount}`]?.push(uid);
  });
  return groups;
}

export interface AccountResult {
  rate: number;
  users: number;
  phase: PhaseWindow | undefined;
  achievedOverR: number;
  counters: CounterReport;
  budget: { rate: number; throttled: number; cuts: number };
  run: Pick<RunRecord, "status" | "planned" | "counts" | "durationMs">;
}

export async function provisioning(p: ProvisioningParams, log: (s: string) => void) {
  // AWS's 5,000-user quota counts the caller's own IAM user too: N = 5,000 new users is one over it. The
  // quota is lifted so the figure measures the rate, not the quota (which the plan checks separately).
  const emu: IamEmulator = await startIamEmulator({
    usersQuota: Math.max(5_000, ...p.accounts.map((a) => a.users + 10)),
  });
  const n = p.accounts.length;
  const channels: ChannelSpec[] = p.accounts.map((_, i) => ({
    name: `c${i}`,
    target: `t${i}`,
    peopleOu: `p${i}`,
    loginProfile: true,
  }));
  const pl = new BenchPipeline({
    emulator: emu,
    label: p.label,
    targets: p.accounts.map((_, i) => ({ name: `t${i}`, maxRequestsPerSecond: p.configuredRate })),
    channels,
    // One snapshot per channel at once: every account starts together.
    provisioning: { concurrency: p.concurrency, snapshotConcurrency: Math.min(64, Math.max(2, n)) },
  });
  let worker: Child | undefined;
  try {
    const total = p.accounts.reduce((s, a) => s + a.users, 0);
    log(`loading ${total} people into slapd (${n} OU${n > 1 ? "s" : ""})`);
    const loadStart = performance.now();
    await pl.setup({ people: [] });
    let from = 0;
    for (const [i, a] of p.accounts.entries()) {
      const staff = people(a.users, { password: true, from });
      from += a.users;
      await pl.addPeople(staff, `p${i}`);
      const groups = groupsFor(
        staff.map((s) => s.uid),
        p.groupCount,
        p.groupsPerUser,
      );
      await applyLdif("example", `dn: ou=groups-c${i},${pl.base}\nobjectClass: organizationalUnit\nou: groups-c${i}\n`);
      const ldif = Object.entries(groups)
        .map(([name, uids]) =>
          groupLdif(pl.base, name, uids)
            .replaceAll(`,ou=people,${pl.base}`, `,ou=p${i},${pl.base}`)
            .replace(`,ou=groups,${pl.base}`, `,ou=groups-c${i},${pl.base}`),
        )
        .join("\n");
      await applyLdif("example", ldif);
    }
    log(`  loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    const keys = p.accounts.map((_, i) => pl.keys[`t${i}`] as string);
    p.accounts.forEach((a, i) => {
      emu.setRate(keys[i] as string, a.rate);
    });
    // The workers run in their own process, as `provisioner worker` would: one process, every target's queue.
    worker = forkChild("serve", pl.configFile);
    await worker.next("ready", 60_000);

    const sampler = new CounterSampler(emu, keys).start();
    const sumR = p.accounts.reduce((s, a) => s + a.rate, 0);
    const calls = total * (2 + p.groupsPerUser);
    // Bounded: twice the time the slowest account needs at its true rate, plus a minute.
    const slowest = Math.max(...p.accounts.map((a) => (a.users * (2 + p.groupsPerUser)) / a.rate));
    const timeoutMs = slowest * 2_000 + 60_000;
    log(`run: ${n} account(s), ${calls} minimal calls, Σ R ${sumR}/s, configured ${p.configuredRate}/s each`);
    const ticker = setInterval(() => {
      const c = sumCounters(keys.map((k) => emu.counters(k)));
      log(`  ${accepted(c)} / ${calls} calls accepted, ${c.throttled} throttled`);
    }, 15_000);
    let runs: RunRecord[];
    try {
      const ids = await Promise.all(
        channels.map((c) => requestRun(pl.ctx, { channel: c.name, mode: "incremental", trigger: "cli" })),
      );
      runs = await within(
        timeoutMs,
        `provisioning of ${n} account(s)`,
        Promise.all(ids.map((r) => waitForRun(pl.ctx.runs, r.runId, { pollMs: 200, timeoutMs }))),
      );
    } finally {
      clearInterval(ticker);
      sampler.stop();
    }
    worker.send({ type: "stop" });
    const workerUsage = (await worker.next<{ usage: Record<string, number> }>("usage", 60_000)).usage;
    const accounts: AccountResult[] = [];
    for (const [i, a] of p.accounts.entries()) {
      const phase = sampler.phase(i);
      const b = await pl.ctx.budget(`t${i}`).status();
      const run = runs[i] as RunRecord;
      accounts.push({
        rate: a.rate,
        users: a.users,
        phase,
        achievedOverR: phase ? phase.perSecond / a.rate : 0,
        counters: emu.counters(keys[i] as string),
        budget: { rate: +b.rate.toFixed(2), throttled: b.throttled, cuts: b.cuts },
        run: { status: run.status, planned: run.planned, counts: run.counts, durationMs: run.durationMs },
      });
    }
    const all = sumCounters(accounts.map((a) => a.counters));
    const by = (action: string) => all.byAction[action] ?? { calls: 0, throttled: 0, failed: 0, injected: 0 };
    const minimalAccepted = MINIMAL.reduce((s, a) => s + by(a).calls - by(a).throttled, 0);
    const minimalSent = MINIMAL.reduce((s, a) => s + by(a).calls, 0);
    const extra: Record<string, number> = {};
    for (const [action, v] of Object.entries(all.byAction)) if (!MINIMAL.includes(action)) extra[action] = v.calls;
    const busy = sampler.allBusy();
    return {
      sumR,
      accounts,
      counters: all,
      allBusy: busy,
      allBusyOverSumR: busy ? busy.perSecond / sumR : 0,
      /** Σ over accounts of each one's calls/s over its own provisioning phase. */
      sumOfPhasesOverSumR: accounts.reduce((s, a) => s + (a.phase?.perSecond ?? 0), 0) / sumR,
      throttledShare: all.total ? all.throttled / all.total : 0,
      callsPerUserOverMin: minimalAccepted / total / (2 + p.groupsPerUser),
      sentPerUserOverMin: minimalSent / total / (2 + p.groupsPerUser),
      extraCalls: extra,
      completed: runs.every((r) => r.status === "completed"),
      workerProcess: workerUsage,
      timeline: sampler.timeline(),
    };
  } finally {
    worker?.kill();
    const prefix = pl.prefix;
    await pl.close().catch(() => {});
    await clearPrefix(process.env.REDIS_URL as string, prefix).catch(() => {});
    await emu.close();
  }
}

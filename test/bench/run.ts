/**
 * The pipeline benches: `npm run bench -- [flags]`. Prints a table of figures against their targets and
 * writes bench-results/<timestamp>.json (parameters, machine, load average, every figure and its details).
 *
 *   --only 1,3          scenarios to run (default all)
 *   1  one account:     --users 4999 --rate 100 --configured-rate 300 --groups-per-user 3 --concurrency 16
 *   2  many accounts:   --accounts 20 --account-users 500 --rate-min 20 --rate-max 60
 *   3  no-op run:       --entries 20000 --page-size 1000 --noop-runs 10 (the first in a fresh process, then
 *                       its steady state; the target is judged on the steady state's median);
 *                       --noop-groups: the channel reads groups (the store decodes every entry)
 *   4  memory:          peak RSS of (3)'s process; --jobs 10000 --job-repeats 3 (Redis bytes per queued job)
 *   5  replay:          --replays 3
 *
 * Every scenario is bounded in time (its runs time out, and clean up their Redis prefix, LDAP subtree,
 * emulator and child processes either way). Services come from `scripts/services.sh env`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { load, loadServicesEnv, machine, root } from "./pipeline/common.js";

loadServicesEnv();
const { provisioning } = await import("./pipeline/provisioning.js");
const { noopRun } = await import("./pipeline/noop-run.js");
const { redisPerJob } = await import("./pipeline/redis-per-job.js");
const { replay } = await import("./pipeline/replay.js");

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "1,2,3,4,5" },
    // The account's caller is an IAM user too: 4,999 new users fill it to IAM's 5,000-user quota exactly.
    users: { type: "string", default: "4999" },
    rate: { type: "string", default: "100" },
    "configured-rate": { type: "string", default: "300" },
    "groups-per-user": { type: "string", default: "3" },
    concurrency: { type: "string", default: "16" },
    accounts: { type: "string", default: "20" },
    "account-users": { type: "string", default: "500" },
    "rate-min": { type: "string", default: "20" },
    "rate-max": { type: "string", default: "60" },
    entries: { type: "string", default: "20000" },
    "page-size": { type: "string", default: "1000" },
    "noop-runs": { type: "string", default: "10" },
    "noop-groups": { type: "boolean", default: false },
    jobs: { type: "string", default: "10000" },
    "job-repeats": { type: "string", default: "3" },
    replays: { type: "string", default: "3" },
    out: { type: "string", default: "bench-results" },
  },
});

function num(name: keyof typeof values): number {
  const v = Number(values[name]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const only = new Set(
  String(values.only)
    .split(",")
    .map((s) => Number(s.trim())),
);
const params = {
  only: [...only].sort(),
  scenario1: {
    users: num("users"),
    rate: num("rate"),
    configuredRate: num("configured-rate"),
    groupsPerUser: num("groups-per-user"),
    concurrency: num("concurrency"),
  },
  scenario2: {
    accounts: num("accounts"),
    usersPerAccount: num("account-users"),
    rateMin: num("rate-min"),
    rateMax: num("rate-max"),
    configuredRate: num("configured-rate"),
    groupsPerUser: num("groups-per-user"),
    concurrency: num("concurrency"),
  },
  scenario3: {
    entries: num("entries"),
    pageSize: num("page-size"),
    runs: num("noop-runs"),
    groups: values["noop-groups"] === true,
  },
  scenario4: { jobs: num("jobs"), repeats: num("job-repeats") },
  scenario5: { replays: num("replays") },
};

interface Figure {
  scenario: number;
  name: string;
  value: number | null;
  unit: string;
  target: string;
  pass: boolean | null;
  note?: string;
}

const figures: Figure[] = [];
const details: Record<string, unknown> = {};
const loads: Record<string, { before: number[]; after: number[] }> = {};
const log = (s: string) => process.stderr.write(`${s}\n`);

function fig(f: Figure) {
  figures.push(f);
}

async function scenario(n: number, title: string, body: () => Promise<void>) {
  if (!only.has(n)) return;
  log(`\n== ${n}. ${title} (load ${load().join(" ")})`);
  const before = load();
  const t0 = performance.now();
  try {
    await body();
  } catch (err) {
    log(`scenario ${n} failed: ${(err as Error).stack ?? err}`);
    details[`scenario${n}Error`] = String((err as Error).message ?? err);
    fig({
      scenario: n,
      name: "scenario ran",
      value: null,
      unit: "",
      target: "completes",
      pass: false,
      note: String(err),
    });
  }
  loads[`scenario${n}`] = { before, after: load() };
  log(`   (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

const startedAt = new Date();
const loadAtStart = load();

await scenario(1, "one account, adaptive rate against a true rate", async () => {
  const p = params.scenario1;
  const r = await provisioning(
    {
      accounts: [{ rate: p.rate, users: p.users }],
      configuredRate: p.configuredRate,
      groupsPerUser: p.groupsPerUser,
      groupCount: Math.max(6, p.groupsPerUser * 2),
      concurrency: p.concurrency,
      label: "bench-one",
    },
    log,
  );
  details.scenario1 = r;
  const a = r.accounts[0];
  fig({
    scenario: 1,
    name: `achieved calls/s ÷ R (R=${p.rate}/s, configured ${p.configuredRate}/s, ${p.users} users)`,
    value: a?.achievedOverR ?? 0,
    unit: "",
    target: "≥ 0.95",
    pass: (a?.achievedOverR ?? 0) >= 0.95 && r.completed,
    note: `${a?.phase?.accepted} calls in ${a?.phase?.seconds.toFixed(1)} s`,
  });
  fig({
    scenario: 1,
    name: "throttled share (emulator throttled ÷ total)",
    value: r.throttledShare,
    unit: "",
    target: "≤ 0.02",
    pass: r.throttledShare <= 0.02,
    note: `${r.counters.throttled} of ${r.counters.total}`,
  });
  fig({
    scenario: 1,
    name: `IAM calls per user ÷ minimum (${2 + p.groupsPerUser}); accepted calls`,
    value: r.callsPerUserOverMin,
    unit: "",
    target: "= 1.00",
    pass: Math.abs(r.callsPerUserOverMin - 1) < 1e-9,
    note: `sent incl. throttled retries ${r.sentPerUserOverMin.toFixed(4)}; extra ${JSON.stringify(r.extraCalls)}`,
  });
});

await scenario(2, "many accounts at once, one worker process", async () => {
  const p = params.scenario2;
  const rates = Array.from({ length: p.accounts }, (_, i) =>
    Math.round(p.accounts === 1 ? p.rateMax : p.rateMin + ((p.rateMax - p.rateMin) * i) / (p.accounts - 1)),
  );
  const r = await provisioning(
    {
      accounts: rates.map((rate) => ({ rate, users: p.usersPerAccount })),
      configuredRate: p.configuredRate,
      groupsPerUser: p.groupsPerUser,
      groupCount: Math.max(6, p.groupsPerUser * 2),
      concurrency: p.concurrency,
      label: "bench-many",
    },
    log,
  );
  details.scenario2 = { ...r, rates };
  fig({
    scenario: 2,
    name: `Σ calls/s ÷ Σ R while all ${p.accounts} accounts provision (Σ R = ${r.sumR}/s)`,
    value: r.allBusyOverSumR,
    unit: "",
    target: "≥ 0.90",
    pass: r.allBusyOverSumR >= 0.9 && r.completed,
    note: `${r.allBusy?.accepted} calls in ${r.allBusy?.seconds.toFixed(1)} s`,
  });
  fig({
    scenario: 2,
    name: "Σ over accounts of calls/s in each one's own phase ÷ Σ R",
    value: r.sumOfPhasesOverSumR,
    unit: "",
    target: "≥ 0.90",
    pass: r.sumOfPhasesOverSumR >= 0.9,
  });
  fig({
    scenario: 2,
    name: "throttled share; calls per user ÷ minimum",
    value: r.throttledShare,
    unit: "",
    target: "(reported)",
    pass: null,
    note: `calls/user÷min ${r.callsPerUserOverMin.toFixed(4)}; worker CPU ${r.workerProcess.cpuSeconds} s, peak RSS ${r.workerProcess.maxRssMb} MB`,
  });
});

let noop: Awaited<ReturnType<typeof noopRun>> | undefined;
if (only.has(3) || only.has(4)) {
  await scenario(3, "no-op incremental run over the directory, fresh worker process", async () => {
    noop = await noopRun(params.scenario3, log);
    details.scenario3 = noop;
    const each = noop.runs.map((r) => r.seconds.toFixed(3)).join(", ");
    fig({
      scenario: 3,
      name: `no-op run seconds, steady state (median of runs 2–${noop.runs.length}, ${noop.entries} entries)`,
      value: noop.steadySeconds,
      unit: "s",
      target: "(reported)",
      pass: null,
      note: `runs ${each} s; ldapsearch median ${noop.ldapsearchSeconds.toFixed(3)} s; skipped on memo ${noop.runs.map((r) => r.run.skippedOnMemo).join(", ")}`,
    });
    fig({
      scenario: 3,
      name: "no-op run ÷ ldapsearch -E pr=<page>/noprompt, steady state",
      value: noop.steadyRatio,
      unit: "×",
      target: "≤ 1.5",
      pass: noop.steadyRatio <= 1.5 && noop.allNoop,
    });
    fig({
      scenario: 3,
      name: "the same, the worker process's first run (cold code, first connections)",
      value: noop.firstRatio,
      unit: "×",
      target: "(reported)",
      pass: null,
      note: `${noop.firstSeconds.toFixed(3)} s`,
    });
  });
}

await scenario(4, "memory", async () => {
  if (noop) {
    fig({
      scenario: 4,
      name: "peak RSS of the worker process doing (3)",
      value: noop.maxRssMb,
      unit: "MB",
      target: "≤ 300",
      pass: noop.maxRssMb <= 300,
      note: `RSS before the run ${noop.rssBeforeRunMb} MB`,
    });
  }
  const r = await redisPerJob(params.scenario4, process.env.REDIS_URL as string, log);
  details.scenario4 = { redis: r, noopRss: noop?.maxRssMb };
  fig({
    scenario: 4,
    name: `Redis used_memory per queued provision job (${r.jobs} jobs, median of ${r.samples.length})`,
    value: r.bytesPerJob,
    unit: "B",
    target: "(reported)",
    pass: null,
    note: `samples ${r.samples.join(", ")}; ${r.keysPerJob} keys/job`,
  });
});

await scenario(5, "replay of one user, workers running", async () => {
  const r = await replay({ repeats: params.scenario5.replays }, log);
  details.scenario5 = r;
  fig({
    scenario: 5,
    name: "seconds from requestReplay to the run's end (worst)",
    value: r.max,
    unit: "s",
    target: "≤ 5",
    pass: r.max <= 5 && r.outcomes.every((o) => o.startsWith("completed")),
    note: `each: ${r.seconds.join(", ")} s`,
  });
});

const fmt = (v: number | null, unit: string) =>
  v === null
    ? "—"
    : `${Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(3)}${unit ? ` ${unit}` : ""}`;
const rows = figures.map((f) => [
  String(f.scenario),
  f.name,
  fmt(f.value, f.unit),
  f.target,
  f.pass === null ? "info" : f.pass ? "PASS" : "FAIL",
]);
const header = ["#", "figure", "value", "target", ""];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join("  ");
console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
for (const r of rows) console.log(line(r));
for (const f of figures) if (f.note) console.log(`  [${f.scenario}] ${f.name}: ${f.note}`);

const result = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  params,
  machine: machine(),
  loadAverage: { atStart: loadAtStart, perScenario: loads, atEnd: load() },
  figures,
  details,
};
const dir = join(root, String(values.out));
mkdirSync(dir, { recursive: true });
const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nload average now ${load().join(" ")}; results in ${file}`);
process.exit(figures.some((f) => f.pass === false) ? 1 : 0);

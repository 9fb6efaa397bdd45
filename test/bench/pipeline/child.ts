/**
 * A worker process for the benches, forked with tsx: the same startWorkers() as `provisioner worker`, so
 * its CPU, memory and event loop are its own (the emulator and the bench's bookkeeping live elsewhere).
 *
 *   serve <config>     start snapshot + provision workers, answer {ready}; on {stop} close and answer {usage}
 *   noop-run <config> [runs]  start workers, then `runs` times (default 5): time one incremental run of the
 *                      channel, then ldapsearch over the same entries; answer {result} with every pair and
 *                      this process's peak RSS. The first run is the process's first (cold code).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { waitForRun } from "../../../src/cli/wait.js";
import { loadConfigFile } from "../../../src/config/load.js";
import type { LdapSourceConfig, LdapStoreConfig } from "../../../src/config/schema.js";
import { createLogger } from "../../../src/log/logger.js";
import { QueueContext } from "../../../src/queue/context.js";
import { requestRun } from "../../../src/queue/control.js";
import { mappingAttributes } from "../../../src/sync/mapping.js";
import { startWorkers } from "../../../workers/start.js";
import { countDns, ldapsearch } from "../ldap-directory.js";

const [mode, file] = process.argv.slice(2);
if (!file || !process.send) throw new Error("usage (forked): child.ts serve|noop-run <config.yaml>");
const send = (msg: unknown) => process.send?.(msg);

const loaded = loadConfigFile(file);
const logger = createLogger({ level: process.env.PIPELINE_LOG ?? "silent" });
const ctx = new QueueContext(loaded.config);
const loop = monitorEventLoopDelay({ resolution: 10 });

function usage() {
  const r = process.resourceUsage();
  return {
    maxRssMb: +(r.maxRSS / 1024).toFixed(1),
    cpuSeconds: +((r.userCPUTime + r.systemCPUTime) / 1e6).toFixed(2),
    eventLoopP99Ms: +(loop.percentile(99) / 1e6).toFixed(1),
    eventLoopMaxMs: +(loop.max / 1e6).toFixed(1),
  };
}

if (mode === "serve") {
  const workers = await startWorkers(ctx, { roles: { snapshot: true, provision: true }, logger });
  loop.enable();
  const cpu0 = process.cpuUsage();
  process.on("message", (msg: { type: string }) => {
    if (msg.type === "mark") {
      loop.reset();
      send({ type: "marked" });
    }
    if (msg.type !== "stop") return;
    void (async () => {
      const cpu = process.cpuUsage(cpu0);
      await workers.close();
      await ctx.close();
      send({ type: "usage", usage: { ...usage(), workCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2) } });
      process.exit(0);
    })();
  });
  send({ type: "ready" });
} else if (mode === "noop-run") {
  const channelName = Object.keys(loaded.config.channels)[0] as string;
  const channel = loaded.config.channels[channelName];
  if (!channel) throw new Error("no channel");
  const runs = Math.max(2, Number(process.argv[4] ?? 5));
  const store = loaded.config.dataStores[channel.source.dataStore] as LdapStoreConfig;
  const source = channel.source as unknown as LdapSourceConfig;
  // The attributes the data store asks for: the mapping's, the id and the name.
  const attributes = [...new Set([...mappingAttributes(channel), source.idAttribute ?? "entryUUID", "uid"])];
  const workers = await startWorkers(ctx, { roles: { snapshot: true, provision: true }, logger });
  loop.enable();
  const rssBefore = process.resourceUsage().maxRSS;
  // BENCH_PROFILE_RUN=<file.cpuprofile>: a CPU profile of one run alone: the last (steady state) unless
  // BENCH_PROFILE_INDEX names another (0: the process's first).
  const profileFile = process.env.BENCH_PROFILE_RUN;
  const results: {
    seconds: number;
    cpuSeconds: number;
    ldapsearchSeconds: number;
    entries: number;
    run: Record<string, unknown>;
  }[] = [];
  for (let k = 0; k < runs; k++) {
    const inspector =
      profileFile && k === Number(process.env.BENCH_PROFILE_INDEX ?? runs - 1) ? new Session() : undefined;
    if (inspector) {
      inspector.connect();
      await inspector.post("Profiler.enable");
      await inspector.post("Profiler.setSamplingInterval", { interval: 200 });
      await inspector.post("Profiler.start");
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const { runId } = await requestRun(ctx, { channel: channelName, mode: "incremental", trigger: "cli" });
    const run = await waitForRun(ctx.runs, runId, { pollMs: 10, timeoutMs: 300_000 });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (inspector && profileFile) {
      const { profile } = await inspector.post("Profiler.stop");
      writeFileSync(profileFile, JSON.stringify(profile));
      inspector.disconnect();
    }
    // ldapsearch right after each run: both see the same directory, cache and machine load.
    const t1 = performance.now();
    const entries = countDns(
      await ldapsearch({
        url: store.url,
        ...(store.bindDn ? { bindDn: store.bindDn, bindPassword: store.bindPassword ?? "" } : {}),
        base: source.baseDn,
        filter: source.filter,
        attributes,
        pageSize: store.pageSize,
      }),
    );
    results.push({
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      ldapsearchSeconds: (performance.now() - t1) / 1000,
      entries,
      run: {
        status: run.status,
        planned: run.planned,
        unchanged: run.unchanged,
        skippedOnMemo: run.skippedOnMemo,
        counts: run.counts,
        calls: run.calls,
        durationMs: run.durationMs,
      },
    });
  }
  const after = usage();
  await workers.close();
  await ctx.close();
  send({
    type: "result",
    result: { runs: results, attributes, rssBeforeRunMb: +(rssBefore / 1024).toFixed(1), ...after },
  });
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}

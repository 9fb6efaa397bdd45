import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { QueueContext } from "../queue/context.js";

/**
 * Prometheus metrics, read from Redis on each scrape, so every dashboard process reports the same numbers
 * whichever process did the work. Run figures cover each channel's most recent RECENT_RUNS runs (a window,
 * not a lifetime count); target counters come from the shared rate limiter and only grow until its key
 * expires after a day without calls. The registry is private so nothing else in the process leaks in.
 */
export const RECENT_RUNS = 50;

const QUEUE_STATES = [
  "waiting",
  "active",
  "delayed",
  "prioritized",
  "waiting-children",
  "paused",
  "failed",
  "completed",
] as const;

export class DashboardMetrics {
  readonly registry = new Registry();
  private chain: Promise<unknown> = Promise.resolve();

  private readonly redisUp = this.gauge("provisioner_redis_up", "1 when Redis answered this scrape", []);
  private readonly runs = this.gauge("provisioner_runs", `Runs among each channel's last ${RECENT_RUNS}, by status`, [
    "channel",
    "status",
  ]);
  private readonly runDuration = new Histogram({
    name: "provisioner_run_duration_seconds",
    help: `Duration of finished runs among each channel's last ${RECENT_RUNS}`,
    labelNames: ["channel", "mode"],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 21_600],
    registers: [this.registry],
  });
  private readonly iamCalls = this.gauge(
    "provisioner_iam_calls",
    `IAM calls made by each channel's last ${RECENT_RUNS} runs, by target and action`,
    ["channel", "target", "action"],
  );
  private readonly lastRunUsers = this.gauge(
    "provisioner_last_run_users",
    "Users of each channel's latest run, by outcome",
    ["channel", "outcome"],
  );
  private readonly lastRunStart = this.gauge(
    "provisioner_last_run_start_timestamp_seconds",
    "When each channel's latest run started, labelled with its mode and status",
    ["channel", "mode", "status"],
  );
  private readonly rate = this.gauge(
    "provisioner_target_effective_rate",
    "IAM requests per second the target's budget allows now",
    ["target"],
  );
  private readonly maxRate = this.gauge(
    "provisioner_target_max_rate",
    "Configured maxRequestsPerSecond of the target",
    ["target"],
  );
  private readonly healthy = this.gauge(
    "provisioner_target_healthy",
    "1 unless the target is paused after an auth failure",
    ["target"],
  );
  private readonly throttles = this.counter(
    "provisioner_iam_throttles_total",
    "IAM calls AWS answered with Throttling",
    ["target"],
  );
  private readonly granted = this.counter(
    "provisioner_iam_requests_granted_total",
    "IAM calls the rate limiter granted",
    ["target"],
  );
  private readonly cuts = this.counter(
    "provisioner_iam_rate_cuts_total",
    "Times throttling lowered the target's rate",
    ["target"],
  );
  private readonly queueJobs = this.gauge("provisioner_queue_jobs", "Jobs in each queue, by state", ["queue", "state"]);
  private readonly deadLetters = this.gauge(
    "provisioner_dead_letters",
    "Dead letters waiting for an operator, by channel",
    ["channel"],
  );

  constructor(private readonly ctx: QueueContext) {}

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition; scrapes are serialised so two never interleave their resets and sets. */
  async scrape(): Promise<string> {
    const next = this.chain.then(async () => {
      this.registry.resetMetrics();
      try {
        await this.collect();
        this.redisUp.set(1);
      } catch {
        this.registry.resetMetrics();
        this.redisUp.set(0);
      }
      return this.registry.metrics();
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async collect(): Promise<void> {
    const { ctx } = this;
    const channels = Object.values(ctx.config.channels);
    const targets = Object.keys(ctx.config.targets);

    await Promise.all(
      channels.map(async (c) => {
        const [summaries, latest] = await Promise.all([
          ctx.runs.summaries(c.name, RECENT_RUNS),
          ctx.runs.latest(c.name),
        ]);
        const byStatus = new Map<string, number>();
        for (const r of summaries) {
          byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
          if (r.durationMs !== undefined && r.status !== "running")
            this.runDuration.observe({ channel: c.name, mode: r.mode }, r.durationMs / 1_000);
          for (const [action, n] of Object.entries(r.calls))
            this.iamCalls.inc({ channel: c.name, target: r.target || c.target, action }, n);
        }
        for (const [status, n] of byStatus) this.runs.set({ channel: c.name, status }, n);
        if (latest) {
          for (const [outcome, n] of Object.entries(latest.counts))
            this.lastRunUsers.set({ channel: c.name, outcome }, n ?? 0);
          const started = Date.parse(latest.startedAt);
          if (Number.isFinite(started))
            this.lastRunStart.set({ channel: c.name, mode: latest.mode, status: latest.status }, started / 1_000);
        }
      }),
    );

    await Promise.all(
      targets.map(async (t) => {
        const [budget, health] = await Promise.all([ctx.budget(t).status(), ctx.health.get(t)]);
        this.rate.set({ target: t }, budget.rate);
        this.maxRate.set({ target: t }, budget.max);
        this.throttles.inc({ target: t }, budget.throttled);
        this.granted.inc({ target: t }, budget.granted);
        this.cuts.inc({ target: t }, budget.cuts);
        this.healthy.set({ target: t }, health.healthy ? 1 : 0);
      }),
    );

    await Promise.all(
      ctx.allQueues().map(async (q) => {
        const counts = await q.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.queueJobs.set({ queue: q.name, state }, counts[state] ?? 0);
      }),
    );

    const letters = await ctx.deadLetters.list();
    for (const c of channels) this.deadLetters.set({ channel: c.name }, 0);
    for (const d of letters) this.deadLetters.inc({ channel: d.channel });
  }
}

import type { Logger } from "pino";
import { z } from "zod";
import { ChannelBusyError } from "../errors/ChannelBusyError.js";
import type { QueueContext } from "../queue/context.js";
import {
  approveDeletions,
  type Enqueued,
  requestReplay,
  requestRun,
  resumeTarget,
  UnknownChannelError,
} from "../queue/control.js";
import type { RunTrigger } from "../queue/runs.js";
import type { Principal } from "./auth.js";

/**
 * The operator's actions as the dashboard offers them, shared by the HTML forms and the JSON API: both
 * validate the same bodies, fail with the same status codes and log who did what.
 */
export class ActionError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const syncBody = z
  .object({
    full: z.boolean().optional(),
    allowDeletions: z.boolean().optional(),
  })
  .strict();

export const replayBody = z
  .object({
    sourceIds: z.array(z.string().min(1)).min(1).max(100_000).optional(),
    failed: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.sourceIds !== undefined) !== (b.failed === true), {
    message: "give either sourceIds or failed: true",
    path: ["sourceIds"],
  });

export const purgeBody = z
  .object({
    channel: z.string().min(1).optional(),
    ids: z.array(z.string().min(1)).min(1).max(100_000).optional(),
    /** Purging every channel's dead letters must be asked for by name, never by an empty body. */
    all: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.channel !== undefined || b.ids !== undefined || b.all === true, {
    message: "give channel, ids or all: true",
    path: ["channel"],
  });

/** A zod failure as one line naming the field, e.g. `sourceIds.0: Too small`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid body";
  const field = issue.path.join(".");
  if (issue.code === "unrecognized_keys") return `unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return field ? `${field}: ${issue.message}` : issue.message;
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ActionError(400, describeIssue(parsed.error));
  return parsed.data;
}

/** A swallowed replay or approval is a conflict the operator must see, with the run in the way. */
async function busyIs409<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof ChannelBusyError) throw new ActionError(409, err.message, { runId: err.runId });
    throw err;
  }
}

export class DashboardActions {
  constructor(
    private readonly ctx: QueueContext,
    private readonly logger: Logger,
  ) {}

  private channel(name: string) {
    const channel = this.ctx.config.channels[name];
    if (!channel) throw new ActionError(404, `unknown channel "${name}"`);
    return channel;
  }

  async sync(who: Principal, channel: string, body: z.infer<typeof syncBody>, trigger: RunTrigger): Promise<Enqueued> {
    this.channel(channel);
    const mode = body.full ? "full" : "incremental";
    try {
      const r = await busyIs409(() =>
        requestRun(this.ctx, { channel, mode, trigger, allowDeletions: body.allowDeletions ?? false }),
      );
      this.logger.info(
        { user: who.name, channel, mode, allowDeletions: body.allowDeletions ?? false, ...r },
        "dashboard: sync requested",
      );
      return r;
    } catch (err) {
      if (err instanceof UnknownChannelError) throw new ActionError(404, err.message);
      throw err;
    }
  }

  async replay(
    who: Principal,
    channel: string,
    body: z.infer<typeof replayBody>,
    trigger: RunTrigger,
  ): Promise<Enqueued & { sourceIds: string[] }> {
    this.channel(channel);
    const r = await busyIs409(() =>
      requestReplay(this.ctx, channel, body.failed ? "failed" : { sourceIds: body.sourceIds ?? [] }, trigger),
    );
    this.logger.info(
      { user: who.name, channel, users: r.sourceIds.length, runId: r.runId },
      "dashboard: replay requested",
    );
    return r;
  }

  /** Replays dead letters by id (or all of a channel), one replay run per channel. */
  async replayDeadLetters(
    who: Principal,
    select: { ids?: string[]; channel?: string },
    trigger: RunTrigger,
  ): Promise<{ channel: string; runId: string; sourceIds: string[] }[]> {
    const all = await this.ctx.deadLetters.list(select.channel ? { channel: select.channel } : {});
    const wanted = select.ids ? all.filter((d) => select.ids?.includes(d.jobId)) : all;
    if (select.ids && wanted.length === 0)
      throw new ActionError(404, "none of the selected dead letters exists any more");
    const byChannel = new Map<string, string[]>();
    for (const d of wanted) {
      if (d.sourceId.startsWith("group:") || !this.ctx.config.channels[d.channel]) continue;
      byChannel.set(d.channel, [...(byChannel.get(d.channel) ?? []), d.sourceId]);
    }
    const out: { channel: string; runId: string; sourceIds: string[] }[] = [];
    for (const [channel, sourceIds] of byChannel) {
      const r = await this.replay(who, channel, { sourceIds }, trigger);
      out.push({ channel, runId: r.runId, sourceIds });
    }
    return out;
  }

  async approve(who: Principal, runId: string, trigger: RunTrigger): Promise<Enqueued> {
    const run = await this.ctx.runs.get(runId);
    if (!run) throw new ActionError(404, `unknown run "${runId}"`);
    if (run.status !== "blocked") throw new ActionError(409, `run "${runId}" is ${run.status}, not blocked`);
    const r = await busyIs409(() => approveDeletions(this.ctx, runId, trigger));
    this.logger.info(
      { user: who.name, approvedRun: runId, channel: run.channel, ...r },
      "dashboard: deletions approved",
    );
    return r;
  }

  async resume(who: Principal, target: string): Promise<void> {
    if (!this.ctx.config.targets[target]) throw new ActionError(404, `unknown target "${target}"`);
    await resumeTarget(this.ctx, target);
    this.logger.info({ user: who.name, target }, "dashboard: target resumed");
  }

  async purge(who: Principal, body: z.infer<typeof purgeBody>): Promise<number> {
    if (body.channel && !this.ctx.config.channels[body.channel]) {
      // A channel removed from the configuration may still have dead letters: allow purging them.
      const left = await this.ctx.deadLetters.count(body.channel);
      if (left === 0) throw new ActionError(404, `no dead letters of channel "${body.channel}"`);
    }
    let purged = 0;
    if (body.ids) {
      const entries = await this.ctx.deadLetters.list(body.channel ? { channel: body.channel } : {});
      for (const d of entries.filter((e) => body.ids?.includes(e.jobId))) {
        if (await this.ctx.deadLetters.remove(d.channel, d.sourceId)) purged += 1;
      }
    } else {
      purged = await this.ctx.deadLetters.purge(body.channel);
    }
    this.logger.info(
      { user: who.name, channel: body.channel ?? "*", ids: body.ids?.length, purged },
      "dashboard: dead letters purged",
    );
    return purged;
  }
}

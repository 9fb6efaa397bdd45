import { z } from "zod";

/**
 * `snapshot`: one per run. Reads the source (and AWS for `full`), plans, creates/renames groups inline,
 * fans out provision jobs as its children, then runs again as the finaliser once they are all done.
 */
export const SNAPSHOT_JOB = "snapshot" as const;

export const snapshotPayload = z
  .object({
    channel: z.string().min(1),
    runId: z.string().min(1),
    mode: z.enum(["incremental", "full", "replay"]),
    /** Who asked: the scheduler, the CLI, the dashboard or the API. */
    trigger: z.enum(["schedule", "cli", "dashboard", "api"]),
    /** Approves removals over the channel's maxDeletes guard for this run only. @defaultValue false */
    allowDeletions: z.boolean().default(false),
    /** Replay only: the source ids to re-plan. Ids, never secrets. */
    sourceIds: z.array(z.string().min(1)).max(100_000).optional(),
    /** Process-step state: `plan` first, `finalise` after the children are done. @defaultValue "plan" */
    step: z.enum(["plan", "finalise"]).default("plan"),
  })
  .strict();

export type SnapshotPayload = z.infer<typeof snapshotPayload>;

/** @defaultValue one attempt: a failed read fails the run (nothing is deleted) and the next trigger tries again. */
export const snapshotDefaults = {
  attempts: 1,
  removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 1_000 },
} as const;

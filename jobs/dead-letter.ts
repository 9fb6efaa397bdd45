import { z } from "zod";
import { idPart } from "./retries.js";

/**
 * `dead-letter`: one per user (or group) whose provisioning cannot succeed, kept with its provenance until
 * replayed or purged. The dead-letter queue has no worker: entries wait for an operator.
 */
export const DEAD_LETTER_JOB = "dead-letter" as const;

export const deadLetterPayload = z
  .object({
    channel: z.string().min(1),
    target: z.string().min(1),
    runId: z.string().min(1),
    /** The user's source id, or `group:<name>` for a group. */
    sourceId: z.string().min(1),
    userName: z.string().optional(),
    /** Where it failed: the queue and job it came from, or `snapshot` for a user invalid at plan time. */
    sourceQueue: z.string().min(1),
    sourceJobId: z.string().optional(),
    errorKind: z.enum(["permanent", "transient", "throttling", "auth", "invalid"]),
    errorCode: z.string().min(1),
    /** Never holds a secret: built from codes, names and AWS's own message. */
    message: z.string(),
    attempts: z.number().int().nonnegative(),
    firstFailedAt: z.string(),
    lastFailedAt: z.string(),
  })
  .strict();

export type DeadLetterPayload = z.infer<typeof deadLetterPayload>;

/** One entry per (channel, user): a later failure of the same user replaces the earlier entry. */
export function deadLetterJobId(channel: string, sourceId: string): string {
  return `${channel}.${idPart(sourceId)}`;
}

export const deadLetterDefaults = { attempts: 1, removeOnComplete: false, removeOnFail: false } as const;

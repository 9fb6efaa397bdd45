import { z } from "zod";
import { idPart, retryingJobOptions } from "./retries.js";

/**
 * `provision-group`: a group deletion applied on its own, in the target's provision queue. The finaliser
 * queues deletions this way (removing members first can take many calls), so they are rate-limited,
 * retried and dead-lettered like users. Creates and renames happen inline in the snapshot instead, since
 * memberships need them first.
 */
export const PROVISION_GROUP_JOB = "provision-group" as const;

export const provisionGroupPayload = z
  .object({
    channel: z.string().min(1),
    runId: z.string().min(1),
    kind: z.literal("delete"),
    groupName: z.string().min(1),
    path: z.string().min(1),
  })
  .strict();

export type ProvisionGroupPayload = z.infer<typeof provisionGroupPayload>;

export function provisionGroupDefaults(attempts = 8, backoffMs = 7_000) {
  return retryingJobOptions(attempts, backoffMs, 1_000);
}

/** One job id per (run, group). */
export function provisionGroupJobId(p: ProvisionGroupPayload): string {
  return `${p.channel}.${p.runId}.group-${p.kind}.${idPart(p.groupName)}`;
}

import { z } from "zod";

/**
 * `provision-group`: a group change applied on its own, in the target's provision queue. The finaliser
 * queues group deletions this way (removing members first can take many calls), so they are rate-limited,
 * retried and dead-lettered like users. Creates and renames happen inline in the snapshot instead, since
 * memberships need them first.
 */
export const PROVISION_GROUP_JOB = "provision-group" as const;

export const provisionGroupPayload = z
  .object({
    channel: z.string().min(1),
    runId: z.string().min(1),
    kind: z.enum(["create", "rename", "delete"]),
    groupName: z.string().min(1),
    fromGroupName: z.string().min(1).optional(),
    path: z.string().min(1),
  })
  .strict();

export type ProvisionGroupPayload = z.infer<typeof provisionGroupPayload>;

export function provisionGroupDefaults(attempts = 8, backoffMs = 7_000) {
  return {
    attempts,
    backoff: { type: "jittered", delay: backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
    ignoreDependencyOnFailure: true,
  } as const;
}

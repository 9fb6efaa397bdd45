import { z } from "zod";
import type { Plan } from "../types.js";

/**
 * The documented shape of `provisioner plan --json` (version 1). Scripts may rely on every field here;
 * anything new is added as optional so version 1 readers keep working. No secret ever appears in it.
 */
export const PLAN_JSON_VERSION = 1;

const userField = z.enum(["userName", "path", "tags", "loginProfile", "groups"]);

export const userChangeJsonSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("create"), sourceId: z.string(), userName: z.string() }).strict(),
  z
    .object({
      kind: z.literal("update"),
      sourceId: z.string(),
      userName: z.string(),
      /** Equal to userName unless the user is renamed. */
      fromUserName: z.string(),
      fields: z.array(userField),
    })
    .strict(),
  z.object({ kind: z.literal("disable"), sourceId: z.string(), userName: z.string() }).strict(),
  z
    .object({ kind: z.literal("enable"), sourceId: z.string(), userName: z.string(), fields: z.array(userField) })
    .strict(),
  z.object({ kind: z.literal("delete"), sourceId: z.string(), userName: z.string() }).strict(),
  /** Listed only in replay runs, so an operator sees that a named user needs nothing. */
  z.object({ kind: z.literal("noop"), sourceId: z.string(), userName: z.string() }).strict(),
]);

export const groupChangeJsonSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("create"), groupName: z.string(), path: z.string(), sourceGroupId: z.string() }).strict(),
  z
    .object({
      kind: z.literal("rename"),
      groupName: z.string(),
      fromGroupName: z.string(),
      path: z.string(),
      sourceGroupId: z.string(),
    })
    .strict(),
  z.object({ kind: z.literal("delete"), groupName: z.string(), path: z.string() }).strict(),
]);

export const planJsonSchema = z
  .object({
    version: z.literal(PLAN_JSON_VERSION),
    channel: z.string(),
    mode: z.enum(["incremental", "full", "replay"]),
    /** ready: would go ahead; blocked: a guard stopped it (no changes listed); failed: could not be computed. */
    status: z.enum(["ready", "blocked", "failed"]),
    /** Why it is blocked or failed. */
    reasons: z.array(z.string()),
    generatedAt: z.string(),
    durationMs: z.number().nonnegative(),
    users: z.array(userChangeJsonSchema),
    groups: z.array(groupChangeJsonSchema),
    /** Users never sent to AWS, with IAM's rule they break. */
    invalid: z.array(
      z.object({ sourceId: z.string(), userName: z.string().optional(), reasons: z.array(z.string()).min(1) }).strict(),
    ),
    /** Changes an option, protection, a name conflict or a guard held back. */
    skipped: z.array(
      z
        .object({
          sourceId: z.string(),
          userName: z.string(),
          kind: z.enum(["create", "update", "disable", "enable", "delete", "noop"]),
          reason: z.string(),
        })
        .strict(),
    ),
    /** create, update, enable, disable, delete, noop, invalid, skipped, removals, managed, sourceUsers, adopt, repair, group*. */
    counts: z.record(z.string(), z.number().int().nonnegative()),
    /** Full runs: the bulk read of AWS. */
    observed: z
      .object({ readAt: z.string(), users: z.number().int().nonnegative(), calls: z.number().int().nonnegative() })
      .strict()
      .optional(),
  })
  .strict();

export type PlanJson = z.infer<typeof planJsonSchema>;

export function toPlanJson(
  plan: Plan,
  meta: { generatedAt: string; durationMs: number; observed?: { readAt: string; users: number; calls: number } },
): PlanJson {
  return {
    version: PLAN_JSON_VERSION,
    channel: plan.channel,
    mode: plan.mode,
    status: plan.status,
    reasons: plan.reasons,
    generatedAt: meta.generatedAt,
    durationMs: meta.durationMs,
    users: plan.users,
    groups: plan.groups,
    invalid: plan.invalid,
    skipped: plan.skipped,
    counts: plan.counts,
    ...(meta.observed ? { observed: meta.observed } : {}),
  };
}

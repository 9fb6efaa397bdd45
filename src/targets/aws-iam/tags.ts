import type { Tag } from "@aws-sdk/client-iam";
import { DISABLED_TAG, MARKER_TAG, SOURCE_ID_TAG } from "../../types.js";

/**
 * The provisioner's own tags on IAM users: the marker pair that makes a user "managed", and the
 * bookkeeping of a disable. They live under one prefix that mappings may not use, so they can be
 * told apart from mapped tags without a list.
 */
export const TOOL_TAG_PREFIX = "provisioner:";

/**
 * One tag per access key this tool deactivated, so enable reactivates exactly those and never a key
 * someone else switched off. One tag per key (not one list) keeps a retried disable additive.
 */
export const DISABLED_KEY_TAG_PREFIX = `${DISABLED_TAG}-key:`;

export function tagRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}

export function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function markerTags(channel: string, sourceId: string): Record<string, string> {
  return { [MARKER_TAG]: channel, [SOURCE_ID_TAG]: sourceId };
}

export function isToolTag(key: string): boolean {
  return key.toLowerCase().startsWith(TOOL_TAG_PREFIX);
}

/** The mapped tags only, as CurrentUser wants them. */
export function mappedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !isToolTag(k)));
}

/** IAM tag keys ignore case (but keep it): look a key up the way IAM would. */
export function tagValue(tags: Record<string, string>, key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(tags)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function carriesMarker(tags: Record<string, string>, channel: string, sourceId: string): boolean {
  return tagValue(tags, MARKER_TAG) === channel && tagValue(tags, SOURCE_ID_TAG) === sourceId;
}

/** The wanted tags that the user does not already carry with the same value. */
export function missingTags(have: Record<string, string>, want: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(want).filter(([k, v]) => tagValue(have, k) !== v));
}

/** Applies a tag change to a record the way IAM does: a key differing only in case replaces the old one. */
export function mergeTags(
  base: Record<string, string>,
  set: Record<string, string> = {},
  remove: readonly string[] = [],
): Record<string, string> {
  const drop = new Set([...remove, ...Object.keys(set)].map((k) => k.toLowerCase()));
  const out = Object.fromEntries(Object.entries(base).filter(([k]) => !drop.has(k.toLowerCase())));
  return { ...out, ...set };
}

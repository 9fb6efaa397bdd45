import type { Plan } from "../types.js";

/**
 * `provisioner plan` for people: a header with the verdict, then one section per kind of change, each
 * line a user. Long sections are cut (the JSON output has everything).
 */
export function renderPlanText(plan: Plan, opts: { limit?: number } = {}): string[] {
  const limit = opts.limit ?? 200;
  const c = plan.counts;
  const out: string[] = [];
  const verdict = { ready: "READY", blocked: "BLOCKED", failed: "FAILED" }[plan.status];
  out.push(`plan ${plan.channel} (${plan.mode}): ${verdict}`);
  for (const r of plan.reasons) out.push(`  ! ${r}`);
  if (plan.status !== "failed") {
    out.push(
      `  users in source ${c.sourceUsers ?? 0} · create ${c.create ?? 0} · update ${c.update ?? 0} · enable ${c.enable ?? 0} · ` +
        `disable ${c.disable ?? 0} · delete ${c.delete ?? 0} · unchanged ${c.noop ?? 0} · invalid ${c.invalid ?? 0} · skipped ${c.skipped ?? 0}`,
    );
  }
  const section = (title: string, rows: string[][]) => {
    if (rows.length === 0) return;
    out.push("", `${title} (${rows.length})`);
    out.push(...table(rows.slice(0, limit)).map((l) => `  ${l}`));
    if (rows.length > limit) out.push(`  ... and ${rows.length - limit} more (use --json for all)`);
  };
  const users = (kind: string) => plan.users.filter((u) => u.kind === kind);
  section(
    "groups",
    plan.groups.map((g) => [
      g.kind,
      g.kind === "rename" ? `${g.fromGroupName} -> ${g.groupName}` : g.groupName,
      g.path,
    ]),
  );
  section(
    "create",
    users("create").map((u) => [u.userName, u.sourceId]),
  );
  section(
    "update",
    users("update").map((u) => {
      const from = u.kind === "update" && u.fromUserName !== u.userName ? `${u.fromUserName} -> ` : "";
      return [`${from}${u.userName}`, "fields" in u ? u.fields.join(",") : "", u.sourceId];
    }),
  );
  section(
    "enable",
    users("enable").map((u) => [u.userName, "fields" in u ? u.fields.join(",") : "", u.sourceId]),
  );
  section(
    "disable",
    users("disable").map((u) => [u.userName, u.sourceId]),
  );
  section(
    "delete",
    users("delete").map((u) => [u.userName, u.sourceId]),
  );
  section(
    "unchanged",
    users("noop").map((u) => [u.userName, u.sourceId]),
  );
  section(
    "skipped",
    plan.skipped.map((s) => [s.kind, s.userName || "-", s.sourceId, s.reason]),
  );
  section(
    "invalid",
    plan.invalid.map((i) => [i.userName ?? "-", i.sourceId, i.reasons.join("; ")]),
  );
  if (plan.status === "ready" && plan.users.length === 0 && plan.groups.length === 0) out.push("", "nothing to do");
  return out;
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.min(Math.max(widths[i] ?? 0, cell.length), 48);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

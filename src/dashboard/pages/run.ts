import { enc, fmtDuration, fmtTime, type Html, html, when } from "../html.js";
import type { RunDetail } from "../read-model.js";
import { actionForm, layout, type PageContext, statusBadge } from "./layout.js";

/** `/runs/:id`: one run's counts, IAM calls, failures with reasons, and links into bull-board. */
function countTable(title: string, label: string, entries: [string, number][]): Html {
  const rows = entries.filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b));
  const total = rows.reduce((s, [, n]) => s + n, 0);
  return html`<div class="card"><h2>${title}</h2><table><thead><tr><th>${label}</th><th class="num">Count</th></tr></thead><tbody>
${rows.length > 0 ? rows.map(([k, n]) => html`<tr><td>${k.replace(/_/g, " ")}</td><td class="num">${n}</td></tr>`) : html`<tr><td colspan="2" class="muted">none</td></tr>`}
${when(rows.length > 1, () => html`<tr><th>total</th><th class="num">${total}</th></tr>`)}</tbody></table></div>`;
}

export function runPage(page: PageContext, d: RunDetail): Html {
  const { run } = d;
  const counts = Object.entries(run.counts).map(([k, v]) => [k, v ?? 0] as [string, number]);
  return layout(
    page,
    `Run ${run.id}`,
    "/runs",
    html`<h1>Run <code>${run.id}</code> ${statusBadge(run.status)}</h1>
${run.status === "running" ? html`<span data-refresh="2000"></span>` : ""}
<div class="grid"><div class="card"><dl>
<dt>Channel</dt><dd>${run.channel}</dd><dt>Target</dt><dd><a href="/targets">${run.target}</a></dd>
<dt>Mode</dt><dd>${run.mode}</dd><dt>Trigger</dt><dd>${run.trigger}</dd>
<dt>Started</dt><dd>${fmtTime(run.startedAt)}</dd><dt>Ended</dt><dd>${fmtTime(run.endedAt)}</dd>
<dt>Duration</dt><dd>${fmtDuration(run.durationMs)}</dd>
<dt>Users</dt><dd>${run.finished} with an outcome · ${run.planned} sent to provision jobs</dd>
${when(run.reasons.length > 0, () => html`<dt>Reasons</dt><dd class="bad">${run.reasons.map((r) => html`${r}<br>`)}</dd>`)}
<dt>Jobs</dt><dd>${d.links.snapshotJob ? html`<a href="${d.links.snapshotJob}">snapshot job</a> · ` : ""}<a href="${d.links.provisionQueue}">provision queue</a> · <a href="${d.links.deadLetterQueue}">dead-letter queue</a></dd>
</dl><p class="actions">
${when(run.status === "blocked", () =>
  actionForm(page, `/runs/${enc(run.id)}/approve`, "Approve deletions", {
    kind: "danger",
    confirm: "Approve the blocked removals? A new run will delete or disable them.",
  }),
)}
${when(
  d.failedUsers.some((f) => f.deadLetterId),
  () => actionForm(page, `/channels/${enc(run.channel)}/replay`, "Replay failed", { fields: { failed: "1" } }),
)}</p></div>
${countTable("Users by outcome", "Outcome", counts)}
${countTable("IAM calls by action", "Action", Object.entries(run.calls))}
${when(Object.keys(run.groups).length > 0, () => countTable("Groups", "Change", Object.entries(run.groups)))}
</div>
<h2>Failed users (${d.failedUsers.length})</h2>
<table><thead><tr><th>Source id</th><th>User name</th><th>Outcome</th><th>Reason</th><th class="num">Attempts</th><th>Links</th></tr></thead><tbody>
${
  d.failedUsers.length > 0
    ? d.failedUsers.map(
        (
          f,
        ) => html`<tr><td><a href="/users?q=${enc(f.sourceId)}"><code>${f.sourceId}</code></a></td><td>${f.userName ?? ""}</td>
<td>${f.outcome.replace(/_/g, " ")}</td><td>${f.errorKind ? html`<span class="badge">${f.errorKind}</span> ` : ""}${f.reason}</td>
<td class="num">${f.attempts ?? ""}</td><td>${f.jobUrl ? html`<a href="${f.jobUrl}">job</a> ` : ""}${
          f.deadLetterId ? html`<a href="/dead-letters/${enc(f.deadLetterId)}">dead letter</a>` : ""
        }</td></tr>`,
      )
    : html`<tr><td colspan="6" class="muted">No failures.</td></tr>`
}</tbody></table>`,
  );
}

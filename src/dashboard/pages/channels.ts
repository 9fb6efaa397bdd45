import type { RunRecord } from "../../queue/runs.js";
import { enc, fmtDuration, fmtTime, type Html, html, when } from "../html.js";
import type { ChannelOverview } from "../read-model.js";
import { actionForm, healthBadge, layout, type PageContext, statusBadge } from "./layout.js";

/** `/`: every channel with its last and next run, dead letters, target health and the operator's buttons. */
export function runSummary(run: RunRecord): string {
  const parts = Object.entries(run.counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([outcome, n]) => `${n} ${outcome.replace(/_/g, " ")}`);
  if (run.unchanged) parts.push(`${run.unchanged} unchanged`);
  return parts.length > 0 ? parts.join(", ") : `${run.planned} planned`;
}

function lastRunCell(c: ChannelOverview): Html {
  const run = c.lastRun;
  if (!run) return html`<span class="muted">never run</span>`;
  return html`<a href="/runs/${enc(run.id)}">${statusBadge(run.status)}</a> <span class="muted">${run.mode}</span><br>
${runSummary(run)}<br><span class="muted">${fmtTime(run.startedAt)} · ${fmtDuration(run.durationMs)}</span>
${run.reasons.length > 0 ? html`<br><span class="bad">${run.reasons.join("; ")}</span>` : ""}`;
}

function actions(page: PageContext, c: ChannelOverview): Html {
  const base = `/channels/${enc(c.name)}`;
  return html`<div class="actions">
${actionForm(page, `${base}/sync`, "Sync now", { kind: "primary" })}
${actionForm(page, `${base}/sync`, "Full sync", { fields: { full: "1" } })}
${when(c.lastRun?.status === "blocked", () =>
  actionForm(page, `/runs/${enc(c.lastRun?.id ?? "")}/approve`, "Approve deletions", {
    kind: "danger",
    confirm: `Approve the removals blocked in ${c.name}? A new run will delete or disable them.`,
  }),
)}
${when(c.deadLetters > 0, () => actionForm(page, `${base}/replay`, "Replay failed", { fields: { failed: "1" } }))}
</div>`;
}

export function channelsPage(page: PageContext, channels: ChannelOverview[]): Html {
  const running = channels.some((c) => c.lastRun?.status === "running");
  const rows = channels.map(
    (c) => html`<tr data-channel="${c.name}">
<td><strong>${c.name}</strong><br>${c.active ? html`<span class="badge ok">active</span>` : html`<span class="badge">inactive</span>`}</td>
<td>${c.target}<br>${healthBadge(c.targetHealth.healthy)}${c.targetHealth.reason ? html`<br><span class="muted">${c.targetHealth.reason}</span>` : ""}</td>
<td>${lastRunCell(c)}</td>
<td>${c.nextRuns.length === 0 ? html`<span class="muted">not scheduled</span>` : c.nextRuns.map((n) => html`${n.mode}: ${n.text}<br>`)}</td>
<td class="num">${c.deadLetters > 0 ? html`<a href="/dead-letters?channel=${enc(c.name)}" class="bad">${c.deadLetters}</a>` : "0"}</td>
<td>${page.canOperate ? actions(page, c) : html`<span class="muted">viewer</span>`}</td></tr>`,
  );
  return layout(
    page,
    "Channels",
    "/",
    html`<h1>Channels</h1>${running ? html`<span data-refresh="3000"></span>` : ""}
<table><thead><tr><th>Channel</th><th>Target</th><th>Last run</th><th>Next run</th><th class="num">Dead letters</th><th>Actions</th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="6" class="muted">No channels configured.</td></tr>`}</tbody></table>`,
  );
}

export function runsPage(page: PageContext, runs: RunRecord[], channels: string[], channel?: string): Html {
  return layout(
    page,
    "Runs",
    "/runs",
    html`<h1>Runs</h1>
<form class="filters" method="get" action="/runs"><label>Channel <select name="channel"><option value="">all</option>${channels.map(
      (c) => html`<option value="${c}"${c === channel ? " selected" : ""}>${c}</option>`,
    )}</select></label><button type="submit">Show</button></form>
<table><thead><tr><th>Run</th><th>Channel</th><th>Mode</th><th>Trigger</th><th>Status</th><th>Summary</th><th>Started</th><th class="num">Duration</th></tr></thead>
<tbody>${
      runs.length > 0
        ? runs.map(
            (
              r,
            ) => html`<tr><td><a href="/runs/${enc(r.id)}">${r.id}</a></td><td>${r.channel}</td><td>${r.mode}</td><td>${r.trigger}</td>
<td>${statusBadge(r.status)}</td><td>${runSummary(r)}</td><td>${fmtTime(r.startedAt)}</td><td class="num">${fmtDuration(r.durationMs)}</td></tr>`,
          )
        : html`<tr><td colspan="8" class="muted">No runs yet.</td></tr>`
    }</tbody></table>`,
  );
}

import { enc, fmtTime, type Html, html } from "../html.js";
import type { DeadLetterView } from "../read-model.js";
import { actionForm, layout, type PageContext } from "./layout.js";

/** `/dead-letters` and `/dead-letters/:id`: what failed for good, why, and the buttons to replay or purge. */
export function deadLettersPage(
  page: PageContext,
  list: DeadLetterView[],
  filter: { channel?: string; reason?: string },
  channels: string[],
): Html {
  const scope = filter.channel ? `channel ${filter.channel}` : "every channel";
  const buttons = page.canOperate
    ? html`<div class="actions">
<button type="submit" formaction="/dead-letters/replay" class="primary">Replay selected</button>
<button type="submit" formaction="/dead-letters/purge" class="danger">Purge selected</button></div>`
    : "";
  const rows = list.map(
    (d) => html`<tr data-dead-letter="${d.jobId}">
${page.canOperate ? html`<td><input type="checkbox" name="ids" value="${d.jobId}" aria-label="select ${d.sourceId}"></td>` : ""}
<td><a href="/dead-letters/${enc(d.jobId)}">${d.userName ?? d.sourceId}</a><br><code>${d.sourceId}</code></td>
<td>${d.channel}</td><td><span class="badge">${d.errorKind}</span> ${d.errorCode}<br><span class="muted">${d.message}</span></td>
<td class="num">${d.attempts}</td><td>${fmtTime(d.lastFailedAt)}<br><span class="muted">first ${fmtTime(d.firstFailedAt)}</span></td>
<td><a href="/runs/${enc(d.runId)}">run</a> · <a href="${d.url}">job</a></td>
${page.canOperate ? html`<td><button type="submit" name="one" value="${d.jobId}" formaction="/dead-letters/replay">Replay</button></td>` : ""}</tr>`,
  );
  const bulkFields: Record<string, string> = filter.channel ? { all: "1", channel: filter.channel } : { all: "1" };
  return layout(
    page,
    "Dead letters",
    "/dead-letters",
    html`<h1>Dead letters (${list.length})</h1>
<form class="filters" method="get" action="/dead-letters"><label>Channel <select name="channel"><option value="">all</option>${channels.map(
      (c) => html`<option value="${c}"${c === filter.channel ? " selected" : ""}>${c}</option>`,
    )}</select></label><label>Reason <input type="search" name="reason" value="${filter.reason ?? ""}" placeholder="code or message"></label>
<button type="submit">Filter</button></form>
<p class="actions">${list.length > 0 ? actionForm(page, "/dead-letters/replay", `Replay all (${scope})`, { fields: bulkFields }) : ""}
${
  list.length > 0
    ? actionForm(page, "/dead-letters/purge", `Purge all (${scope})`, {
        fields: bulkFields,
        kind: "danger",
        confirm: `Purge every dead letter of ${scope}? They will not be replayed.`,
      })
    : ""
}</p>
<form method="post" action="/dead-letters/replay"><input type="hidden" name="_csrf" value="${page.csrfToken}">
<table><thead><tr>${page.canOperate ? html`<th><input type="checkbox" data-select-all aria-label="select all"></th>` : ""}<th>User</th><th>Channel</th><th>Reason</th><th class="num">Attempts</th><th>Failed</th><th>Links</th>${page.canOperate ? html`<th></th>` : ""}</tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="8" class="muted">No dead letters.</td></tr>`}</tbody></table>
${list.length > 0 ? buttons : ""}</form>`,
  );
}

export function deadLetterPage(page: PageContext, d: DeadLetterView, channelKnown: boolean): Html {
  return layout(
    page,
    `Dead letter ${d.sourceId}`,
    "/dead-letters",
    html`<h1>Dead letter: ${d.userName ?? d.sourceId}</h1>
<div class="card"><dl>
<dt>Channel</dt><dd>${d.channel}</dd><dt>Target</dt><dd>${d.target}</dd>
<dt>Source id</dt><dd><a href="/users?q=${enc(d.sourceId)}"><code>${d.sourceId}</code></a></dd><dt>User name</dt><dd>${d.userName ?? "—"}</dd>
<dt>Error</dt><dd><span class="badge">${d.errorKind}</span> ${d.errorCode}</dd><dt>Message</dt><dd>${d.message}</dd>
<dt>Attempts</dt><dd>${d.attempts}</dd><dt>First failed</dt><dd>${fmtTime(d.firstFailedAt)}</dd><dt>Last failed</dt><dd>${fmtTime(d.lastFailedAt)}</dd>
<dt>Run</dt><dd><a href="/runs/${enc(d.runId)}">${d.runId}</a></dd>
<dt>From</dt><dd>${d.sourceQueue}${d.sourceJobId ? html` job <code>${d.sourceJobId}</code>` : ""}</dd>
<dt>In bull-board</dt><dd><a href="${d.url}">dead-letter job</a></dd></dl>
<p class="actions">${channelKnown && !d.sourceId.startsWith("group:") ? actionForm(page, "/dead-letters/replay", "Replay", { fields: { one: d.jobId }, kind: "primary" }) : ""}
${actionForm(page, "/dead-letters/purge", "Purge", { fields: { one: d.jobId }, kind: "danger", confirm: "Purge this dead letter? It will not be replayed." })}</p></div>`,
  );
}

import { enc, fmtTime, type Html, type HtmlValue, html, when } from "../html.js";
import type { UserView } from "../read-model.js";
import { actionForm, layout, type PageContext } from "./layout.js";

/** `/users?q=`: one person's desired vs applied state, history and dead-letter status. */
function list(values: readonly string[] | undefined): HtmlValue {
  return values && values.length > 0
    ? values.map((v, i) => html`${i > 0 ? ", " : ""}<code>${v}</code>`)
    : html`<span class="muted">none</span>`;
}

function tags(t: Record<string, string> | undefined): HtmlValue {
  const entries = Object.entries(t ?? {});
  return entries.length > 0
    ? entries.map(([k, v]) => html`<code>${k}=${v}</code> `)
    : html`<span class="muted">none</span>`;
}

function stateTable(u: UserView): Html {
  const d = u.desired;
  const a = u.applied;
  const row = (label: string, desired: HtmlValue, applied: HtmlValue) =>
    html`<tr><th>${label}</th><td>${desired}</td><td>${applied}</td></tr>`;
  const none = html`<span class="muted">—</span>`;
  return html`<table><thead><tr><th></th><th>Desired</th><th>Applied</th></tr></thead><tbody>
${row("User name", d ? d.userName : none, a ? a.userName : none)}
${row("Path", d ? d.path : none, a ? a.path : none)}
${row("Enabled", d ? String(d.enabled) : none, a ? String(a.enabled) : none)}
${row("Groups", d ? list(d.groups) : none, a ? list(a.groups) : none)}
${row("Tags", d ? tags(d.tags) : none, a ? tags(a.tags) : none)}
${row(
  "Login profile",
  d
    ? d.loginProfile
      ? `password ${d.loginProfile.password}, reset required: ${d.loginProfile.passwordResetRequired}`
      : "no console access"
    : none,
  a ? (a.hasLoginProfile ? "present" : "none") : none,
)}
${row("Applied", "", a ? html`${fmtTime(a.appliedAt)} by <a href="/runs/${enc(a.runId)}">${a.runId}</a>` : html`<span class="muted">never</span>`)}
</tbody></table>`;
}

function userCard(page: PageContext, u: UserView): Html {
  return html`<section class="card" data-user="${u.sourceId}"><h2>${u.userName ?? u.sourceId} <span class="muted">in ${u.channel}</span></h2>
<p>Source id <code>${u.sourceId}</code>
${page.canOperate ? actionForm(page, `/channels/${enc(u.channel)}/replay`, "Replay this user", { fields: { sourceIds: u.sourceId } }) : ""}</p>
${
  u.deadLetter
    ? html`<p class="bad">Dead-lettered: <a href="/dead-letters/${enc(u.deadLetter.jobId)}">${u.deadLetter.errorCode}: ${u.deadLetter.message}</a> (${u.deadLetter.attempts} attempts, last ${fmtTime(u.deadLetter.lastFailedAt)})</p>`
    : html`<p class="ok">No dead letter.</p>`
}
${when(!u.desired && !u.applied, () => html`<p class="muted">No desired or applied state recorded for this user.</p>`)}
${when(u.desired || u.applied, () => stateTable(u))}
<h2>Recent changes</h2>
<table><thead><tr><th>When</th><th>Change</th><th>Fields</th><th class="num">IAM calls</th><th>Run</th></tr></thead><tbody>
${
  u.history.length > 0
    ? u.history.map(
        (
          e,
        ) => html`<tr><td>${fmtTime(e.at)}</td><td>${e.kind}${e.userName && e.userName !== u.userName ? html` as <code>${e.userName}</code>` : ""}</td>
<td>${e.fields.join(", ")}</td><td class="num">${e.calls}</td><td><a href="/runs/${enc(e.runId)}">${e.runId}</a></td></tr>`,
      )
    : html`<tr><td colspan="5" class="muted">No recorded changes.</td></tr>`
}</tbody></table></section>`;
}

export function usersPage(page: PageContext, query: string, users: UserView[]): Html {
  return layout(
    page,
    "Users",
    "/users",
    html`<h1>Users</h1>
<form class="filters" method="get" action="/users"><label>IAM user name or source id <input type="search" name="q" value="${query}" autofocus></label><button type="submit">Find</button></form>
${
  query
    ? users.length > 0
      ? users.map((u) => userCard(page, u))
      : html`<p class="muted">Nobody matches “${query}”.</p>`
    : html`<p class="muted">Search for a person by IAM user name (any case) or by source id (entryUUID, objectGUID, primary key).</p>`
}`,
  );
}

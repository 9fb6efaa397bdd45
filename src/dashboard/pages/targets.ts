import { enc, fmtTime, type Html, html } from "../html.js";
import type { TargetView } from "../read-model.js";
import { actionForm, healthBadge, layout, type PageContext } from "./layout.js";

/** `/targets`: each AWS account's health and learned request rate, and resume after an auth failure. */
export function targetsPage(page: PageContext, targets: TargetView[]): Html {
  const rows = targets.map(
    (t) => html`<tr data-target="${t.name}"><td><strong>${t.name}</strong><br><span class="muted">${t.type}</span></td>
<td>${healthBadge(t.health.healthy)}${t.health.reason ? html`<br><span class="bad">${t.health.reason}</span>` : ""}${t.health.since ? html`<br><span class="muted">since ${fmtTime(t.health.since)}</span>` : ""}</td>
<td class="num">${t.budget.rate.toFixed(2)} / ${t.budget.max} req/s</td><td class="num">${t.budget.granted}</td>
<td class="num">${t.budget.throttled}</td><td class="num">${t.budget.cuts}</td>
<td><a href="/queues/queue/${enc(t.queue)}">${t.queue}</a>${t.paused ? html` <span class="badge bad">paused</span>` : ""}</td>
<td>${t.channels.join(", ")}</td>
<td>${!t.health.healthy || t.paused ? actionForm(page, `/targets/${enc(t.name)}/resume`, "Resume", { kind: "primary", confirm: `Resume ${t.name}? Do this once its credentials are fixed.` }) : ""}</td></tr>`,
  );
  return layout(
    page,
    "Targets",
    "/targets",
    html`<h1>Targets</h1>
<table><thead><tr><th>Target</th><th>Health</th><th class="num">Effective rate</th><th class="num">Calls granted</th><th class="num">Throttled</th><th class="num">Rate cuts</th><th>Queue</th><th>Channels</th><th></th></tr></thead>
<tbody>${rows.length > 0 ? rows : html`<tr><td colspan="9" class="muted">No targets configured.</td></tr>`}</tbody></table>
<p class="muted">The effective rate starts at the configured maximum, drops when AWS throttles and climbs back slowly.</p>`,
  );
}

import { type Html, type HtmlValue, html, raw } from "../html.js";

/** What every page needs to know about the request: who asks (for the buttons) and the form token. */
export interface PageContext {
  user: string;
  canOperate: boolean;
  csrfToken: string;
  nonce: string;
  notice?: string;
}

const NAV: [string, string][] = [
  ["/", "Channels"],
  ["/runs", "Runs"],
  ["/dead-letters", "Dead letters"],
  ["/users", "Users"],
  ["/targets", "Targets"],
  ["/queues", "Queues"],
];

// One small stylesheet; classes only, since the page CSP forbids style attributes.
const STYLE = `
:root{--fg:#1d232b;--muted:#5d6b7c;--line:#d9dee5;--bg:#f6f7f9;--ok:#1f7a3d;--warn:#9a6700;--bad:#b42318;--accent:#2459c3}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.2rem;background:#151a21;color:#e6e9ee}
header a{color:#c9d1dc;text-decoration:none;margin-right:.9rem}header a.on,header a:hover{color:#fff}header .who{margin-left:auto;color:#8b96a5}
header strong{color:#fff}main{padding:1rem 1.2rem;max-width:1400px}
h1{font-size:1.3rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:1.4rem 0 .5rem}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f5;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
a{color:var(--accent)}code{font:12px ui-monospace,monospace;background:#eef1f5;padding:0 .2rem;border-radius:3px}
.badge{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:12px;font-weight:600;background:#e4e8ee}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.muted{color:var(--muted)}
.badge.ok{background:#dcf3e3}.badge.warn{background:#fbefd2}.badge.bad{background:#fde4e1}
form.inline{display:inline}button{font:inherit;padding:.2rem .6rem;border:1px solid #b7c0cc;border-radius:4px;background:#fff;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.danger{border-color:var(--bad);color:var(--bad)}
.actions{display:flex;flex-wrap:wrap;gap:.3rem}.notice{padding:.5rem .8rem;background:#e7f0ff;border:1px solid #b9cff5;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:1rem}.card{background:#fff;border:1px solid var(--line);padding:.7rem .9rem}.card h2{margin-top:.2rem}
table+.actions{margin-top:.6rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:0}dt{color:var(--muted)}dd{margin:0}
input[type=text],input[type=search],select{font:inherit;padding:.2rem .4rem;border:1px solid #b7c0cc;border-radius:4px}
.filters{display:flex;gap:.6rem;align-items:center;margin-bottom:.8rem}
`;

/** Runs the confirm prompts and the select-all box; bound by data attributes, as inline handlers are blocked. */
const SCRIPT = `
document.querySelectorAll("form[data-confirm]").forEach(function(f){f.addEventListener("submit",function(e){if(!confirm(f.dataset.confirm))e.preventDefault();});});
document.querySelectorAll("input[data-select-all]").forEach(function(box){box.addEventListener("change",function(){document.querySelectorAll("input[name=ids]").forEach(function(c){c.checked=box.checked;});});});
var r=document.querySelector("[data-refresh]");if(r){setTimeout(function(){location.reload();},Number(r.getAttribute("data-refresh"))||5000);}
`;

export function layout(page: PageContext, title: string, active: string, body: HtmlValue): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · provisioner</title><style nonce="${page.nonce}">${raw(STYLE)}</style></head>
<body><header><strong>provisioner</strong><nav>${NAV.map(
    ([href, label]) => html`<a href="${href}" class="${href === active ? "on" : ""}">${label}</a> `,
  )}</nav><span class="who">${page.user}${page.canOperate ? " · operator" : " · viewer"}</span></header>
<main>${page.notice ? html`<div class="notice" role="status">${page.notice}</div>` : ""}${body}</main>
<script nonce="${page.nonce}">${raw(SCRIPT)}</script></body></html>`;
}

/** A POST form carrying the CSRF token; `confirm` asks first (purges, approvals). */
export function actionForm(
  page: PageContext,
  action: string,
  label: string,
  opts: { fields?: Record<string, string>; confirm?: string; kind?: "primary" | "danger" } = {},
): HtmlValue {
  if (!page.canOperate) return "";
  return html`<form class="inline" method="post" action="${action}"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ""}>
<input type="hidden" name="_csrf" value="${page.csrfToken}">${Object.entries(opts.fields ?? {}).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  )}<button type="submit" class="${opts.kind ?? ""}">${label}</button></form>`;
}

const STATUS_CLASS: Record<string, string> = {
  completed: "ok",
  running: "warn",
  completed_with_failures: "warn",
  blocked: "bad",
  failed: "bad",
};

export function statusBadge(status: string): Html {
  return html`<span class="badge ${STATUS_CLASS[status] ?? ""}">${status.replace(/_/g, " ")}</span>`;
}

export function healthBadge(healthy: boolean): Html {
  return healthy
    ? html`<span class="badge ok">healthy</span>`
    : html`<span class="badge bad">paused: auth failed</span>`;
}

/** A refused action or a missing run / dead letter, with the way back. */
export function errorPage(page: PageContext, status: number, message: string, back = "/"): Html {
  return layout(
    page,
    `Error ${status}`,
    "",
    html`<h1>${status === 404 ? "Not found" : "Cannot do that"}</h1><p class="bad">${message}</p><p><a href="${back}">Back</a></p>`,
  );
}

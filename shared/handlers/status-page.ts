// The status page as HTML: landmarks, one h1 and an h2 per section, tables with header cells, the 24 h
// chart as inline SVG with a title, a description and the same numbers in a table, and the replay action
// as a plain form (no script: it works with JavaScript off). Every value shown is escaped.
import { esc, page } from "./html";
import type { StatusFacts } from "./status";

const when = (iso: string | undefined, now: number) => {
  if (!iso) return "never (in the last 24 h)";
  const minutes = Math.round((now - Date.parse(iso)) / 60_000);
  const ago = minutes < 1 ? "just now" : minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
  return `<time datetime="${esc(iso)}">${esc(iso.replace("T", " ").slice(0, 19))} UTC</time> (${ago})`;
};
const n = (x: number) => x.toLocaleString("en");

function connection(f: StatusFacts): string {
  const next = f.connection.nextExpiry;
  const expiry = next
    ? `<span class="${(next.daysLeft ?? 99) <= 7 ? "bad" : (next.daysLeft ?? 99) <= 30 ? "warn" : "good"}">${esc(next.mode)} <code>${esc(next.id)}</code> expires in ${n(next.daysLeft ?? 0)} days</span> (<time datetime="${esc(next.expiresAt)}">${esc(next.expiresAt?.slice(0, 10))}</time>)`
    : "No expiring credential (none, or only credentials without an expiry).";
  const rows = f.connection.credentials
    .map(
      (c) =>
        `<tr><td>${esc(c.mode)}</td><td><code>${esc(c.id)}</code>${c.clientId ? ` (client <code>${esc(c.clientId)}</code>)` : ""}</td><td>${c.expiresAt ? `${esc(c.expiresAt.slice(0, 10))} (${n(c.daysLeft ?? 0)} days)` : "no expiry"}</td></tr>`,
    )
    .join("");
  return `<section aria-labelledby="connection"><h2 id="connection">Connection</h2>
<dl>
<dt>Tenant URL</dt><dd><code data-testid="tenant-url">${esc(f.connection.tenantUrl)}</code></dd>
<dt>Token endpoint</dt><dd><code>${esc(f.connection.tokenUrl)}</code></dd>
<dt>Auth mode</dt><dd>${f.connection.authModes.length ? esc(f.connection.authModes.join(", ")) : '<span class="bad">no credential for Entra</span>'}</dd>
<dt>Credential expiry</dt><dd>${expiry}</dd>
</dl>
${rows ? `<table><caption>Entra's credentials</caption><thead><tr><th scope="col">Kind</th><th scope="col">Id</th><th scope="col">Expires</th></tr></thead><tbody>${rows}</tbody></table>` : ""}
</section>`;
}

function chart(f: StatusFacts): string {
  const hours = f.traffic.hours;
  const max = Math.max(1, ...hours.map((h) => h.requests));
  const W = 720;
  const H = 160;
  const bar = W / hours.length;
  const y = (v: number) => H - 20 - (v / max) * (H - 40);
  const bars = hours
    .map((h, i) => {
      const x = i * bar + 2;
      const req = `<rect x="${x.toFixed(1)}" y="${y(h.requests).toFixed(1)}" width="${(bar - 4).toFixed(1)}" height="${(H - 20 - y(h.requests)).toFixed(1)}" fill="#6b8fc7"/>`;
      const fail = `<rect x="${x.toFixed(1)}" y="${y(h.failures).toFixed(1)}" width="${(bar - 4).toFixed(1)}" height="${(H - 20 - y(h.failures)).toFixed(1)}" fill="#a4161a"/>`;
      const label = i % 6 === 0 ? `<text x="${x.toFixed(1)}" y="${H - 4}">${esc(h.hour.slice(11, 16))}</text>` : "";
      return req + fail + label;
    })
    .join("");
  const desc = `Hourly requests and failures over the last 24 hours: ${n(f.traffic.requests24h)} requests, ${n(f.traffic.failures24h)} failures; the busiest hour had ${n(max === 1 && f.traffic.requests24h === 0 ? 0 : max)} requests.`;
  const table = hours
    .filter((h) => h.requests > 0)
    .map((h) => `<tr><th scope="row">${esc(h.hour.slice(0, 13).replace("T", " "))}:00 UTC</th><td>${n(h.requests)}</td><td>${n(h.failures)}</td></tr>`)
    .join("");
  return `<figure>
<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 ${W} ${H}" width="100%" height="${H}" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title">Requests and failures per hour, last 24 h</title>
<desc id="chart-desc">${esc(desc)}</desc>
<line x1="0" y1="${H - 20}" x2="${W}" y2="${H - 20}" stroke="#4a4a55"/>
${bars}
</svg>
<figcaption>${esc(desc)} Blue: requests; red: failures.</figcaption>
</figure>
<details><summary>Hourly numbers</summary>
<table><caption>Requests and failures per hour</caption><thead><tr><th scope="col">Hour</th><th scope="col">Requests</th><th scope="col">Failures</th></tr></thead><tbody>${table || '<tr><td colspan="3">No requests in the last 24 h.</td></tr>'}</tbody></table>
</details>`;
}

function traffic(f: StatusFacts, now: number): string {
  const last = f.traffic.lastRequest ? ` — ${esc(f.traffic.lastRequest.route)}, status ${f.traffic.lastRequest.status}` : "";
  return `<section aria-labelledby="traffic"><h2 id="traffic">Requests from Entra</h2>
<dl>
<dt>Last request</dt><dd data-testid="last-request">${when(f.traffic.lastRequestAt, now)}${last}</dd>
<dt>Last successful write</dt><dd data-testid="last-write">${when(f.traffic.lastWriteAt, now)}</dd>
<dt>Last 24 h</dt><dd>${n(f.traffic.requests24h)} requests, ${n(f.traffic.failures24h)} failures</dd>
</dl>
${chart(f)}
</section>`;
}

function quarantine(f: StatusFacts): string {
  const q = f.quarantine;
  const cls = q.level === "low" ? "good" : q.level === "evaluation" ? "warn" : "bad";
  const reasons = q.topReasons.map((r) => `<tr><td>${esc(r.reason)}</td><td>${n(r.count)}</td></tr>`).join("");
  return `<section aria-labelledby="quarantine"><h2 id="quarantine">Quarantine risk</h2>
<p class="${cls}" data-testid="gauge-text">${esc(q.summary)}</p>
<p><label for="failure-rate">Failing share (Entra's limit 40 %)</label><br>
<meter id="failure-rate" min="0" max="1" low="0.2" high="0.4" optimum="0" value="${q.failureRate.toFixed(4)}">${(q.failureRate * 100).toFixed(1)} %</meter> ${(q.failureRate * 100).toFixed(1)} %</p>
<p><label for="failure-count">Failures against Entra's evaluation threshold (5,000)</label><br>
<meter id="failure-count" min="0" max="5000" low="1000" high="4000" optimum="0" value="${Math.min(q.failures, 5000)}">${n(q.failures)}</meter> ${n(q.failures)} of 5,000</p>
<table><caption>Top failure reasons (24 h)</caption><thead><tr><th scope="col">Reason</th><th scope="col">Requests</th></tr></thead>
<tbody>${reasons || '<tr><td colspan="2">No failures.</td></tr>'}</tbody></table>
</section>`;
}

function objects(f: StatusFacts): string {
  const o = f.objects;
  if (!o)
    return `<section aria-labelledby="objects"><h2 id="objects">Objects</h2><p>Not counted yet: counts appear after the first change is delivered.</p></section>`;
  return `<section aria-labelledby="objects"><h2 id="objects">Objects</h2>
<table><caption>Objects in this tenant</caption><thead><tr><th scope="col">Kind</th><th scope="col">Count</th></tr></thead><tbody>
<tr><th scope="row">Users, active</th><td data-testid="users-active">${n(o.usersActive)}</td></tr>
<tr><th scope="row">Users, disabled</th><td data-testid="users-disabled">${n(o.usersDisabled)}</td></tr>
<tr><th scope="row">Groups</th><td data-testid="groups">${n(o.groups)}</td></tr>
<tr><th scope="row">Memberships</th><td data-testid="memberships">${n(o.memberships)}${o.membershipsApproximate ? " (approximate: recounted within the hour)" : ""}</td></tr>
</tbody></table>
<p class="muted">Kept from the change events since <time datetime="${esc(o.countedAt)}">${esc(o.countedAt.slice(0, 16).replace("T", " "))} UTC</time>; no page view counts rows.</p>
</section>`;
}

function policy(f: StatusFacts): string {
  const list = (rows: Array<{ attribute: string; count: number }>, empty: string) =>
    rows.map((r) => `<tr><td><code>${esc(r.attribute)}</code></td><td>${n(r.count)}</td></tr>`).join("") || `<tr><td colspan="2">${empty}</td></tr>`;
  return `<section aria-labelledby="policy"><h2 id="policy">Schema policy</h2>
<table><caption>Requests refused for a missing required attribute (24 h)</caption><thead><tr><th scope="col">Attribute</th><th scope="col">Requests</th></tr></thead><tbody>${list(f.policy.rejected, "None.")}</tbody></table>
<table><caption>Ignored attributes, not in this tenant's schemas (24 h)</caption><thead><tr><th scope="col">Attribute</th><th scope="col">Requests</th></tr></thead><tbody>${list(f.policy.ignored, "None.")}</tbody></table>
</section>`;
}

function delivery(f: StatusFacts, now: number): string {
  const d = f.delivery;
  const rows = d.destinations
    .map(
      (x) => `<tr>
<th scope="row">${esc(x.label)}<br><span class="muted">${esc(x.deliverer)} · ${esc(x.state)}</span></th>
<td>${n(x.backlog)}</td>
<td>${x.oldestUndelivered ? when(x.oldestUndelivered, now) : "—"}</td>
<td>${x.deadLetters > 0 ? `<span class="bad">${n(x.deadLetters)}</span>` : "0"}</td>
<td>${x.lastFailure ? `${esc(x.lastFailure)}${x.lastFailureAt ? ` (${when(x.lastFailureAt, now)})` : ""}` : "—"}</td>
<td><form method="post" action="/operator/replay"><input type="hidden" name="deliverer" value="${esc(x.deliverer)}"><input type="hidden" name="destination" value="${esc(x.id)}"><button type="submit">Replay dead letters<span class="skip"> to ${esc(x.label)}</span></button></form></td>
</tr>`,
    )
    .join("");
  return `<section aria-labelledby="delivery"><h2 id="delivery">Event delivery</h2>
<p>Committed changes not yet in the event log: <strong data-testid="unsequenced">${n(d.unsequenced)}</strong>${d.oldestUnsequenced ? ` (oldest ${when(d.oldestUnsequenced, now)})` : ""}.</p>
${
  rows
    ? `<table><caption>Delivery per destination</caption><thead><tr><th scope="col">Destination</th><th scope="col">Backlog</th><th scope="col">Oldest undelivered</th><th scope="col">Dead letters</th><th scope="col">Last error</th><th scope="col">Action</th></tr></thead><tbody>${rows}</tbody></table>`
    : "<p>No webhook or Event Grid destination is configured; the vendor's app reads the Events API.</p>"
}
</section>`;
}

export function renderStatusPage(f: StatusFacts, notice?: string): string {
  const now = Date.parse(f.generatedAt);
  const sections = ["connection", "traffic", "quarantine", "objects", "policy", "delivery"];
  const names = ["Connection", "Requests from Entra", "Quarantine risk", "Objects", "Schema policy", "Event delivery"];
  return page(
    `Provisioning status — ${f.tenant}`,
    `<a class="skip" href="#main">Skip to the status</a>
<header>
<h1>Provisioning status — tenant ${esc(f.tenant)}</h1>
<nav aria-label="Sections"><ul>${sections.map((s, i) => `<li><a href="#${s}">${esc(names[i])}</a></li>`).join("")}</ul></nav>
</header>
<main id="main">
${notice ? `<p class="notice" role="status">${esc(notice)}</p>` : ""}
${connection(f)}
${traffic(f, now)}
${quarantine(f)}
${objects(f)}
${policy(f)}
${delivery(f, now)}
</main>
<footer><p>scim-functions ${esc(f.version)} · generated <time datetime="${esc(f.generatedAt)}">${esc(f.generatedAt.slice(0, 19).replace("T", " "))} UTC</time> · JSON: <a href="/operator/status.json">/operator/status.json</a></p></footer>`,
  );
}

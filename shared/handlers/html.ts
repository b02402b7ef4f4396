// Server-rendered HTML for the status page and its error pages: escaping, one page frame with its CSS
// inline (no CDN, no script), colours with at least 4.5:1 contrast and a visible keyboard focus.

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for element content and quoted attribute values. */
export const esc = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

const CSS = `
:root{color-scheme:light;--ink:#1b1b1f;--muted:#4a4a55;--line:#c9c9d1;--bg:#ffffff;--panel:#f4f4f7;--link:#0a4fb5;--bad:#a4161a;--warn:#7a4b00;--good:#1e6b2f}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--link)}
a:focus-visible,button:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px 8px;z-index:1}
header,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}
header{border-bottom:1px solid var(--line);padding-top:1rem}
h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.25rem;margin:1.6rem 0 .6rem}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.4rem 1rem;padding:0;margin:.4rem 0 .8rem}
section{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.2rem 1rem 1rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;background:var(--bg)}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}
caption{text-align:left;font-weight:600;padding:.3rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dt{font-weight:600}dd{margin:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--bg);padding:0 .2rem;border:1px solid var(--line);border-radius:3px;word-break:break-all}
.bad{color:var(--bad);font-weight:600}.warn{color:var(--warn);font-weight:600}.good{color:var(--good);font-weight:600}
.muted{color:var(--muted)}
meter{width:14rem;height:1.2rem}
button{font:inherit;padding:.35rem .9rem;border:2px solid var(--link);border-radius:4px;background:var(--bg);color:var(--link);cursor:pointer}
button:hover{background:#e8effa}
svg text{font:12px system-ui,sans-serif;fill:var(--muted)}
.notice{border-left:4px solid var(--good);background:var(--bg);padding:.5rem .8rem;margin:1rem 0}
footer{color:var(--muted);padding:1rem;font-size:.9rem}
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const TITLES: Record<number, string> = {
  401: "Sign-in needed",
  403: "Access refused",
  404: "Not found",
  429: "Too many requests",
  503: "Temporarily unavailable",
};

/** An error as a page: the status, a title and the message (our own words, escaped). */
export function errorPage(status: number, message: string): string {
  const title = TITLES[status] ?? (status >= 500 ? "Something went wrong" : "Request refused");
  return page(
    `${title} (${status})`,
    `<main id="main">
<h1>${esc(title)}</h1>
<p>${esc(message)}</p>
<p class="muted">Status ${status}. The provisioning status page opens from the link your vendor sends you (it expires), or with an admin token in the Authorization header.</p>
</main>`,
  );
}

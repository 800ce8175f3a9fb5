/**
 * The dashboard's only static files: one stylesheet and two small scripts,
 * kept here as strings, and Apache ECharts, read once from the installed
 * package; all served from `/ui/assets/<name>.<hash>.<ext>`. The hash is of
 * the content, so a response can be cached forever and a new build gets new
 * URLs. Nothing is loaded from anywhere else.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { Hono } from 'hono';
import { CHARTS_SCRIPT } from './charts-script.ts';
import { SCRIPT } from './script.ts';

// The package exports no `dist/` path: find the package's folder from its entry point.
const ECHARTS_MAIN = createRequire(import.meta.url).resolve('echarts');
const ECHARTS = readFileSync(
  join(ECHARTS_MAIN.slice(0, ECHARTS_MAIN.lastIndexOf(`${sep}echarts${sep}`) + 8), 'dist', 'echarts.min.js'),
  'utf8',
);

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0a4fa6;
--permit:#d2f4d9;--permit-b:#1a7f37;--deny:#ffd8d3;--deny-b:#b3261e;--unc:#fff1b8;--unc-b:#8a6100;--focus:#ff9f1a;
--chart-permit:#1a7f37;--chart-deny:#b3261e;--chart-unc:#d98e04;--chart-a:#0a4fa6;--chart-b:#8250df;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--panel:#161b22;--line:#30363d;--accent:#58a6ff;
--permit:#12361e;--permit-b:#3fb950;--deny:#4a1714;--deny-b:#f85149;--unc:#3d2e00;--unc-b:#d29922;
--chart-permit:#3fb950;--chart-deny:#f85149;--chart-unc:#e3b341;--chart-a:#58a6ff;--chart-b:#bc8cff}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#000;color:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.5rem 1rem;background:#14213d;color:#fff}
header.top a{color:#fff}
header.top .brand{font-weight:700;text-decoration:none}
nav.main ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
nav.main a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
.who{margin-left:auto;display:flex;gap:.75rem;align-items:center;font-size:.9em}
.who form{margin:0}
main{padding:1rem 1.25rem;max-width:1400px}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--panel)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
pre{background:var(--panel);padding:.5rem;overflow:auto}
.panel{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:.75rem 0;background:var(--bg)}
.verdict{font-size:1.3rem;font-weight:700;padding:.75rem 1rem;border-radius:6px;border:2px solid}
.verdict.yes{background:var(--permit);border-color:var(--permit-b)}
.verdict.no{background:var(--deny);border-color:var(--deny-b)}
.notice{padding:.5rem .75rem;border-left:4px solid var(--accent);background:var(--panel);margin:.75rem 0}
.notice.error{border-color:var(--deny-b);background:var(--deny)}
.notice.ok{border-color:var(--permit-b);background:var(--permit)}
.critical{background:var(--deny);font-weight:700}
.tag{display:inline-block;padding:0 .4rem;border-radius:4px;border:1px solid var(--line);font-size:.85em}
.tag.rare{background:var(--unc);border-color:var(--unc-b)}
.tag.urgent{background:var(--deny);border-color:var(--deny-b);font-weight:600}
.s-permit,.s-permitted{background:var(--permit)}
.s-deny,.s-denied{background:var(--deny)}
.s-uncovered{background:var(--unc)}
table.grid td,table.grid th{padding:0;text-align:center;min-width:2.2rem;font-size:.85em}
table.grid th{padding:.2rem .3rem;white-space:nowrap}
table.grid th[scope=row]{text-align:right}
table.grid td a,table.grid td span{display:block;padding:.3rem .2rem;text-decoration:none;color:var(--fg);font-weight:600}
table.grid td.s-permit{box-shadow:inset 0 0 0 1px var(--permit-b)}
table.grid td.s-deny{box-shadow:inset 0 0 0 1px var(--deny-b)}
table.grid td.s-uncovered{box-shadow:inset 0 0 0 2px var(--unc-b)}
.scroll{overflow:auto;max-width:100%}
.legend{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}
.legend li span{display:inline-block;min-width:1.6rem;text-align:center;border:1px solid var(--line);margin-right:.3rem;font-weight:600}
form.inline{display:inline}
label{font-weight:600}
input[type=text],input[type=password],textarea,select{font:inherit;padding:.35rem;border:1px solid var(--muted);border-radius:4px}
textarea{width:min(40rem,100%);min-height:4rem}
button,.button{font:inherit;padding:.35rem .9rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger,.button.danger{background:var(--deny-b);border-color:var(--deny-b)}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.5rem 0}
.muted{color:var(--muted)}
.field{margin:.75rem 0}
.field label{display:block;margin-bottom:.25rem}
progress{width:min(30rem,100%);height:1.2rem}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.kv dt{font-weight:600}dl.kv dd{margin:0}
ins{background:var(--permit);text-decoration:none}del{background:var(--deny)}
.chart{width:100%;height:360px;margin:.5rem 0}
.chart.tall{height:640px}
.sparks{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.5rem;list-style:none;padding:0;margin:.5rem 0}
.sparks li{border:1px solid var(--line);border-radius:6px;padding:.3rem .5rem}
.sparks .spark{height:48px}
.controls{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.5rem 0}
.s-added{background:var(--permit)}.s-removed{background:var(--deny)}.s-changed{background:var(--unc)}
table.diff td{min-width:8rem;font-size:.85em}table.diff pre{margin:0;padding:.2rem;background:transparent;white-space:pre-wrap}
@media (prefers-color-scheme:dark){button.secondary,.button.secondary{background:var(--bg)}}
`;

/** FNV-1a, 32 bits, as 8 hex digits: a content hash for cache busting, synchronous and portable. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

interface Asset {
  body: string;
  type: string;
  etag: string;
}

const CSS_HASH = fnv1a(CSS);
const JS_HASH = fnv1a(SCRIPT);
const CHARTS_HASH = fnv1a(CHARTS_SCRIPT);
const ECHARTS_HASH = fnv1a(ECHARTS);

/** URLs to put in pages. */
export const ASSET_URLS = {
  css: `/ui/assets/app.${CSS_HASH}.css`,
  js: `/ui/assets/app.${JS_HASH}.js`,
  charts: `/ui/assets/charts.${CHARTS_HASH}.js`,
  echarts: `/ui/assets/echarts.${ECHARTS_HASH}.js`,
} as const;

const ASSETS = new Map<string, Asset>([
  [`app.${CSS_HASH}.css`, { body: CSS, type: 'text/css; charset=utf-8', etag: `"${CSS_HASH}"` }],
  [`app.${JS_HASH}.js`, { body: SCRIPT, type: 'text/javascript; charset=utf-8', etag: `"${JS_HASH}"` }],
  [
    `charts.${CHARTS_HASH}.js`,
    { body: CHARTS_SCRIPT, type: 'text/javascript; charset=utf-8', etag: `"${CHARTS_HASH}"` },
  ],
  [
    `echarts.${ECHARTS_HASH}.js`,
    { body: ECHARTS, type: 'text/javascript; charset=utf-8', etag: `"${ECHARTS_HASH}"` },
  ],
]);

/** `/assets/:file`: served without a session (they hold nothing secret), cached for a year. */
export function assetRoutes(): Hono {
  const app = new Hono();
  app.get('/assets/:file', (c) => {
    const asset = ASSETS.get(c.req.param('file'));
    if (asset === undefined) return c.text('not found', 404);
    const headers = {
      'content-type': asset.type,
      'cache-control': 'public, max-age=31536000, immutable',
      etag: asset.etag,
      'x-content-type-options': 'nosniff',
    };
    if (c.req.header('if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
    return new Response(asset.body, { headers });
  });
  return app;
}

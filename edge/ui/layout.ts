/**
 * The page shell every dashboard page shares (skip link, navigation, who is
 * signed in, one stylesheet and one script, both local) and the small
 * formatting helpers pages use. Everything interpolated goes through
 * `hono/html`, which escapes it: text from logs and users is never `raw()`.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { type Ace, aceText } from '../../domain/ace.ts';
import type { Principal } from '../auth.ts';
import { ASSET_URLS } from './assets.ts';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Security headers of every page: local assets only, no framing, no caching of tenant data. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const NAV: [string, string][] = [
  ['/ui', 'Overview'],
  ['/ui/matrix', 'Matrix'],
  ['/ui/proposals', 'Proposals'],
  ['/ui/versions', 'Versions'],
  ['/ui/ise', 'ISE'],
  ['/ui/sgts', 'SGT dictionary'],
  ['/ui/upload', 'Upload'],
  ['/ui/flows', 'Live flows'],
];

function navItem(path: string, label: string, active: string): Html {
  const current = path === active ? 'page' : undefined;
  return html`<li><a href="${path}" aria-current="${current ?? 'false'}">${label}</a></li>`;
}

export interface PageOptions {
  title: string;
  /** The nav entry to mark as current. */
  active?: string;
  principal?: Principal | null;
  status?: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 502 | 503;
  /** Load ECharts and the chart script (pages with `.chart` elements). */
  charts?: boolean;
}

export function layout(o: PageOptions, body: Html): Html {
  const p = o.principal ?? null;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Segmentation Copilot</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_URLS.css}">
<script src="${ASSET_URLS.js}" defer></script>
${o.charts === true ? html`<script src="${ASSET_URLS.echarts}" defer></script><script src="${ASSET_URLS.charts}" defer></script>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/ui">Segmentation Copilot</a>
${
  p === null
    ? ''
    : html`<nav class="main" aria-label="Main"><ul>${NAV.map(([path, label]) => navItem(path, label, o.active ?? ''))}</ul></nav>
<div class="who"><span>${p.subject} · tenant <strong>${p.tenant}</strong> · ${p.role}</span>
<form method="post" action="/ui/logout"><button type="submit" class="secondary">Sign out</button></form></div>`
}
</header>
<main id="main" tabindex="-1">
<h1>${o.title}</h1>
${body}
</main>
</body>
</html>`;
}

/** Render a page as the response. */
export function page(c: Context, o: PageOptions, body: Html): Response | Promise<Response> {
  return c.html(layout(o, body), o.status ?? 200, PAGE_HEADERS);
}

/** A page that only says what went wrong, with the right status. */
export function errorPage(
  c: Context,
  status: NonNullable<PageOptions['status']>,
  title: string,
  detail: string,
  principal: Principal | null = null,
): Response | Promise<Response> {
  return page(c, { title, status, principal }, html`<p class="notice error" role="alert">${detail}</p>`);
}

export function notice(kind: 'ok' | 'error' | 'info', text: string): Html {
  return html`<p class="notice ${kind === 'info' ? '' : kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** `2026-06-18 10:00:01 UTC`. */
export const when = (ms: number): string =>
  Number.isFinite(ms) && ms > 0 ? `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC` : '—';

/** `1234567` → `1,234,567`. */
export const num = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export const pct = (ratio: number): string => `${(Math.floor(ratio * 1000) / 10).toFixed(1)}%`;

/** `Employees`, or `SGT4` when the dictionary does not name it (`Unknown` for 0). */
export const tagName = (names: ReadonlyMap<number, string>, tag: number): string =>
  names.get(tag) ?? (tag === 0 ? 'Unknown' : `SGT${tag}`);

/** `Employees (4)`. */
export const tagLabel = (names: ReadonlyMap<number, string>, tag: number): string =>
  `${tagName(names, tag)} (${tag})`;

/** `tcp/443`, `udp/any src 123`: how a flow reads in a table. */
export function flowService(f: {
  protocol: string;
  srcPort: number | 'any';
  dstPort: number | 'any';
}): string {
  return `${f.protocol}/${f.dstPort}${f.srcPort === 'any' ? '' : ` src ${f.srcPort}`}`;
}

/** An ACE as stored (its protocol a validated string) as the SGACL line ISE and IOS-XE take. */
export const aceLine = (a: Omit<Ace, 'protocol'> & { protocol: string }): string => aceText(a as Ace);

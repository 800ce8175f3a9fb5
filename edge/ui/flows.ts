/**
 * Live flows `/ui/flows`: the most recently seen flows of the inventory,
 * then every new delta from the SSE stream (`/api/v1/flows/stream`) added on
 * top by the page's script; above them, hits per minute of the busiest
 * pairs as sparklines (flows-spark.ts) that the same deltas keep moving.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { ApiDeps } from '../rest/deps.ts';
import { historyPoints } from '../rest/history.ts';
import { inventory } from '../rest/matrix-data.ts';
import { sgtNames } from './data.ts';
import { SPARK_MINUTES, sparkSection } from './flows-spark.ts';
import { flowService, num, page, tagLabel, when } from './layout.ts';
import type { UiEnv } from './session.ts';

const SHOWN = 100;

export function flowsRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/', async (c) => {
    const principal = c.get('principal');
    const now = Date.now();
    const [flows, names, minutes] = await Promise.all([
      inventory(deps.stores, principal.tenant),
      sgtNames(deps.stores, principal.tenant),
      historyPoints(deps.stores, principal.tenant, 'minute', now - SPARK_MINUTES * 60_000, now),
    ]);
    const recent = flows.sort((a, b) => b.lastSeenMs - a.lastSeenMs).slice(0, SHOWN);
    const rows = recent.map(
      (
        f,
      ) => html`<tr><td>${when(f.lastSeenMs)}</td><td>${tagLabel(names, f.sgt)}</td><td>${tagLabel(names, f.dgt)}</td>
<td><a href="/ui/matrix/cell/${f.sgt}/${f.dgt}">${flowService(f)}</a></td><td class="n">${num(f.hits)}</td><td class="n">${num(f.events)}</td></tr>`,
    );
    const body = html`${sparkSection(minutes, names, now)}
<p>Stream: <strong id="live-status" role="status">connecting…</strong> · <strong id="flow-rate">–</strong> updates/s.
New deltas appear at the top (hits and events of that delta); the rows below them are the ${num(recent.length)} most recently seen flows of ${num(flows.length)} (totals).</p>
<table id="flows-live" data-names="${JSON.stringify(Object.fromEntries(names))}"><caption class="muted">Flows, newest first</caption>
<thead><tr><th scope="col">Last seen</th><th scope="col">Source</th><th scope="col">Destination</th><th scope="col">Service</th><th scope="col" class="n">Hits</th><th scope="col" class="n">Events</th></tr></thead>
<tbody>${rows}</tbody></table>`;
    return page(c, { title: 'Live flows', active: '/ui/flows', principal, charts: true }, body);
  });
  return app;
}

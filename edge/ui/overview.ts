/**
 * Overview `/ui`: answers "can I flip the matrix default to `deny ip` now?"
 * with a yes or no and the reason, the readiness ratio, the top blockers
 * (critical infrastructure ones marked), the open proposals and the live
 * flow rate; readiness and coverage over the last days and the busiest
 * uncovered cells per hour as charts (overview-charts.ts).
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { parseFlowId } from '../../domain/flow.ts';
import type { ReadinessSnapshot } from '../../kv-schema/mod.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { allProposals, OPEN_STATUSES, readinessView, sgtNames } from './data.ts';
import { flowService, type Html, num, page, pct, tagLabel, when } from './layout.ts';
import { historySection, overviewHistory, uncoveredSection } from './overview-charts.ts';
import type { UiEnv } from './session.ts';

/** The verdict and why, in one sentence an engineer can act on. */
export function verdict(r: ReadinessSnapshot, liveVersion: number): { yes: boolean; reason: string } {
  if (r.flows.total === 0)
    return {
      yes: false,
      reason:
        'No traffic has been observed yet, so there is no evidence of what a deny ip default would drop.',
    };
  if (r.flows.uncovered === 0)
    return {
      yes: true,
      reason:
        `Every observed flow (${num(r.flows.total)}) is permitted or explicitly denied by matrix ` +
        `version ${liveVersion}: a deny ip default would drop nothing that is meant to flow.`,
    };
  const critical =
    r.criticalBlockers > 0
      ? `, ${num(r.criticalBlockers)} of them critical infrastructure (DNS, RADIUS …)`
      : '';
  return {
    yes: false,
    reason:
      `${num(r.flows.uncovered)} observed flows (${num(r.uncoveredHits)} hits, ` +
      `${pct(1 - r.ratio)} of the traffic meant to flow) have no ACE and would be dropped${critical}.`,
  };
}

function blockers(r: ReadinessSnapshot, names: ReadonlyMap<number, string>): Html {
  if (r.blockers.length === 0) return html`<p>No blockers.</p>`;
  const rows = r.blockers.slice(0, 10).map((b) => {
    const key = parseFlowId(b.flowId);
    const pair =
      key === null
        ? html`<code>${b.flowId}</code>`
        : html`<a href="/ui/matrix/cell/${key.sgt}/${key.dgt}">${tagLabel(names, key.sgt)} → ${tagLabel(names, key.dgt)}</a>`;
    return html`<tr class="${b.critical ? 'critical' : ''}">
<td>${pair}</td><td><code>${key === null ? '' : flowService(key)}</code></td>
<td class="n">${num(b.hits)}</td><td>${b.critical ? `CRITICAL: ${b.service ?? ''}` : (b.service ?? '')}</td></tr>`;
  });
  return html`<table><caption class="muted">Busiest uncovered flows</caption>
<thead><tr><th scope="col">Cell</th><th scope="col">Service</th><th scope="col" class="n">Hits</th><th scope="col">Infrastructure</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

export function overviewRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/', async (c) => {
    const principal = c.get('principal');
    const tenant = principal.tenant;
    const fresh = c.req.query('fresh') === '1';
    const [view, names, proposals, history] = await Promise.all([
      readinessView(deps.stores, tenant, fresh),
      sgtNames(deps.stores, tenant),
      allProposals(deps.stores, tenant),
      overviewHistory(deps.stores, tenant, Date.now(), deps.ise),
    ]);
    const r = view.snapshot;
    const v = verdict(r, view.liveVersion);
    const open = proposals.filter((p) => OPEN_STATUSES.includes(p.status)).length;
    const measured =
      view.source === 'scheduler'
        ? `the scheduler's scan of ${when(r.atMs)}`
        : `this request, ${when(r.atMs)}`;
    const body = html`<section aria-labelledby="flip">
<h2 id="flip">Can I flip the default to deny ip now?</h2>
<p class="verdict ${v.yes ? 'yes' : 'no'}" role="status">${v.yes ? 'Yes.' : 'No.'} ${v.reason}</p>
<dl class="kv">
<dt>Readiness</dt><dd><strong>${pct(r.ratio)}</strong> of the traffic meant to flow is permitted (${num(r.coveredHits)} of ${num(r.totalHits - r.deniedHits)} hits)</dd>
<dt>Flows</dt><dd>${num(r.flows.total)} observed: ${num(r.flows.covered)} permitted, ${num(r.flows.denied)} denied, ${num(r.flows.uncovered)} uncovered</dd>
<dt>Critical blockers</dt><dd>${num(r.criticalBlockers)}</dd>
<dt>Live matrix</dt><dd>${view.liveVersion === 0 ? 'none approved yet' : html`<a href="/ui/versions/${view.liveVersion}">version ${view.liveVersion}</a>`}</dd>
<dt>Measured by</dt><dd>${measured} · <a href="/ui?fresh=1">measure now</a></dd>
</dl></section>
${historySection(history)}
${uncoveredSection(history, names)}
<section aria-labelledby="blockers"><h2 id="blockers">Top blockers</h2>${blockers(r, names)}</section>
<section aria-labelledby="pending"><h2 id="pending">Proposals</h2>
<p><a href="/ui/proposals?status=open"><strong id="open-count">${num(open)}</strong> open proposals</a> waiting for a decision.</p></section>
<section aria-labelledby="rate"><h2 id="rate">Traffic</h2>
<p><strong id="flow-rate">–</strong> flow updates/s over the last 10 s (<span id="live-status">connecting…</span>) · <a href="/ui/flows">live flows</a></p></section>`;
    return page(c, { title: 'Overview', active: '/ui', principal, charts: true }, body);
  });
  return app;
}

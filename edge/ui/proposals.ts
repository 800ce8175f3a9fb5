/**
 * Proposals inbox `/ui/proposals` (filter by status) and one proposal with
 * its ACEs, evidence, rationale, rare flag and expiry. Approve and reject
 * (operator) each go through a confirmation page; a rejection needs a
 * reason. The decision is the matrix keeper's: the page shows its answer
 * (the new live version) or its refusal. An open proposal's page and its
 * approval page show what approving it changes in the live matrix, cell by
 * cell, as the keeper would fold it (rest/matrix-cells.ts).
 */
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Ace } from '../../domain/ace.ts';
import { aceFingerprint, ProposalStatus } from '../../domain/proposal.ts';
import { outcomeOf } from '../../domain/types.ts';
import { keys, type ProposalRecord } from '../../kv-schema/mod.ts';
import { hasRole } from '../auth.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { proposalPreview } from '../rest/matrix-cells.ts';
import { FilterError, matchesFilter, parseFilter } from '../rest/proposals-filter.ts';
import { allProposals, command, OPEN_STATUSES, sgtNames } from './data.ts';
import { cellDiffView } from './diff-view.ts';
import { aceLine, errorPage, type Html, notice, num, page, tagLabel, when } from './layout.ts';
import { bulkRoutes } from './proposals-bulk.ts';
import { requireUiRole, type UiEnv } from './session.ts';

const ID = /^[-_a-zA-Z0-9]{1,64}$/;
const FILTERS: readonly string[] = ['open', 'all', ...Object.values(ProposalStatus)];
const REASON_MAX = 2000;

function card(
  p: ProposalRecord,
  names: ReadonlyMap<number, string>,
  canDecide: boolean,
  full: boolean,
): Html {
  const open = OPEN_STATUSES.includes(p.status);
  const evidence = p.evidence.map(
    (
      e,
    ) => html`<tr><td><code>${e.flowId}</code></td><td class="n">${num(e.hits)}</td><td class="n">${num(e.events)}</td>
<td>${when(e.firstSeenMs)}</td><td>${when(e.lastSeenMs)}</td><td class="n">${num(e.daysSeen)}</td><td>${e.category} (${e.source}, risk ${e.risk})</td><td>${e.rationale}</td></tr>`,
  );
  return html`<article class="panel" aria-labelledby="p-${p.id}">
<h2 id="p-${p.id}"><a href="/ui/proposals/${p.id}">${tagLabel(names, p.sgt)} → ${tagLabel(names, p.dgt)}</a></h2>
<p><span class="tag">${p.status}</span> ${p.urgent ? html`<span class="tag urgent">URGENT: traffic to a malicious destination</span>` : ''} ${p.rare ? html`<span class="tag rare">RARE: seen on few days, approve with care</span>` : ''}
<span class="muted">${p.id} · created ${when(p.createdAtMs)} by ${p.createdBy} · ${open ? `expires ${when(p.expiresAtMs)}` : `updated ${when(p.updatedAtMs)}`}</span></p>
<pre aria-label="ACEs">${p.aces.map((a) => `${aceLine(a)}    ! ${outcomeOf(a.decision)}: ${a.decision.rationale}\n`)}</pre>
${p.appliedVersion === undefined ? '' : html`<p>Applied as <a href="/ui/versions/${p.appliedVersion}">matrix version ${p.appliedVersion}</a>${p.status === 'rolled_back' ? html`, then <strong>rolled back</strong>: that version is no longer live and these ACEs are not in force (${p.history.at(-1)?.note ?? ''})` : ''}.</p>`}
${open && p.history.some((h) => h.status === 'rolled_back') ? html`<p>Asked again: it was applied before, until a rollback took its version out of the live matrix.</p>` : ''}
${p.decision === undefined ? '' : html`<p>Decided by ${p.decision.by} via ${p.decision.channel} at ${when(p.decision.atMs)}${p.decision.reason ? `: ${p.decision.reason}` : ''}</p>`}
${p.failure === undefined ? '' : notice('error', `Failed: ${p.failure}`)}
${threatTrail(p, full)}
<details ${full ? 'open' : ''}><summary>Evidence (${p.evidence.length} flows${p.evidenceAtMs === undefined ? '' : `, inventory figures as of ${when(p.evidenceAtMs)}`})</summary>
<table><thead><tr><th scope="col">Flow</th><th scope="col" class="n">Hits</th><th scope="col" class="n">Events</th><th scope="col">First seen</th>
<th scope="col">Last seen</th><th scope="col" class="n">Days</th><th scope="col">Classification</th><th scope="col">Rationale</th></tr></thead>
<tbody>${evidence}</tbody></table></details>
${
  open && canDecide
    ? html`<div class="actions"><a class="button" href="/ui/proposals/${p.id}/approve">Approve…</a>
<a class="button danger" href="/ui/proposals/${p.id}/reject">Reject…</a></div>`
    : ''
}
</article>`;
}

/** Which providers called which destination what: the reason an urgent proposal exists. */
function threatTrail(p: ProposalRecord, full: boolean): Html | string {
  if (p.threat === undefined || p.threat.length === 0) return '';
  const rows = p.threat.map(
    (
      t,
    ) => html`<tr><td><code>${t.ip}</code></td><td>${t.provider}</td><td>${t.malicious ? 'malicious' : 'not malicious'}</td>
<td class="n">${t.score === undefined ? '' : num(t.score)}</td><td>${(t.categories ?? []).join(', ')}</td><td>${t.reason ?? ''}</td></tr>`,
  );
  return html`<details ${full ? 'open' : ''}><summary>Threat intelligence (${p.threat.length} verdicts)</summary>
<table><thead><tr><th scope="col">Destination</th><th scope="col">Provider</th><th scope="col">Verdict</th><th scope="col" class="n">Score</th>
<th scope="col">Categories</th><th scope="col">Detail</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

/** "What this approval changes": for an open proposal only, since only those can still be approved. */
async function preview(
  deps: ApiDeps,
  tenant: string,
  p: ProposalRecord,
  names: ReadonlyMap<number, string>,
): Promise<Html | string> {
  if (!OPEN_STATUSES.includes(p.status)) return '';
  const d = await proposalPreview(deps.stores, tenant, p);
  return html`<section aria-labelledby="preview-heading"><h2 id="preview-heading">What this approval changes</h2>
<p class="muted">Against the live matrix, v${d.live}${d.live === 0 ? ' (nothing approved yet)' : ''}, and the flows observed so far.</p>
${cellDiffView(d, names, 'preview', 'Cells this approval changes (rows: source tag, columns: destination tag)')}</section>`;
}

async function load(deps: ApiDeps, c: Context<UiEnv>): Promise<ProposalRecord | null> {
  const id = c.req.param('id') ?? '';
  if (!ID.test(id)) return null;
  return (await deps.stores.proposals.get(keys.proposal(c.get('principal').tenant, id)))?.value ?? null;
}

export function proposalsRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const missing = (c: Context<UiEnv>) =>
    errorPage(c, 404, 'Not found', 'No such proposal.', c.get('principal'));

  // Before `/:id`: `/decide` is review in bulk (proposals-bulk.ts).
  app.route('/', bulkRoutes(deps));

  app.get('/', async (c) => {
    const principal = c.get('principal');
    const filter = FILTERS.includes(c.req.query('status') ?? '') ? (c.req.query('status') as string) : 'open';
    const select = (c.req.query('filter') ?? '').slice(0, 500);
    const [all, names] = await Promise.all([
      allProposals(deps.stores, principal.tenant),
      sgtNames(deps.stores, principal.tenant),
    ]);
    let parsed: ReturnType<typeof parseFilter> | null = null;
    let bad: string | null = null;
    try {
      parsed = select.trim() === '' ? null : parseFilter(select);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      bad = error.message;
    }
    const shown = all
      .filter((p) =>
        filter === 'all' ? true : filter === 'open' ? OPEN_STATUSES.includes(p.status) : p.status === filter,
      )
      .filter((p) => parsed === null || matchesFilter(p, parsed, names));
    const canDecide = hasRole(principal, 'operator');
    const q = encodeURIComponent(select);
    const bulk =
      canDecide && filter === 'open' && shown.length > 0
        ? html`<div class="actions" id="bulk-actions"><a class="button" href="/ui/proposals/decide?action=approve&filter=${q}">Approve all ${num(shown.length)} shown…</a>
<a class="button danger" href="/ui/proposals/decide?action=reject&filter=${q}">Reject all ${num(shown.length)} shown…</a></div>`
        : '';
    const body = html`${bad === null ? '' : notice('error', `Filter: ${bad}`)}<form method="get" action="/ui/proposals" class="actions">
<label for="status">Status</label>
<select id="status" name="status">${FILTERS.map((f) => html`<option value="${f}" ${f === filter ? 'selected' : ''}>${f}</option>`)}</select>
<label for="filter">Select</label>
<input type="text" id="filter" name="filter" value="${select}" size="34" placeholder="service:infrastructure" aria-describedby="filter-help">
<button type="submit" class="secondary">Filter</button></form>
<p id="filter-help" class="muted">Select by <code>service:infrastructure</code> (DNS, NTP, RADIUS, DHCP, TACACS+, syslog, SNMP), <code>service:dns</code>, <code>port:53</code>, <code>category:default</code>, <code>risk:low</code>, <code>sgt:10</code>, <code>dgt:20</code> or words; every term must hold for every ACE.
<a href="/ui/proposals?filter=service%3Ainfrastructure">Infrastructure proposals</a></p>
<p>${num(shown.length)} ${filter} of ${num(all.length)} proposals.</p>${bulk}
${shown.map((p) => card(p, names, canDecide, false))}`;
    return page(c, { title: 'Proposals', active: '/ui/proposals', principal }, body);
  });

  app.get('/:id', async (c) => {
    const principal = c.get('principal');
    const p = await load(deps, c);
    if (p === null) return missing(c);
    const names = await sgtNames(deps.stores, principal.tenant);
    const done = c.req.query('done');
    const version = c.req.query('version');
    const banner =
      done === 'approve'
        ? notice('ok', `Approved: matrix version ${version ?? '?'} is now live.`)
        : done === 'reject'
          ? notice('ok', 'Rejected.')
          : '';
    const body = html`<p><a href="/ui/proposals">← Proposals</a></p>${banner}${card(p, names, hasRole(principal, 'operator'), true)}
${await preview(deps, principal.tenant, p, names)}`;
    return page(c, { title: `Proposal ${p.id}`, active: '/ui/proposals', principal }, body);
  });

  const confirm = async (c: Context<UiEnv>, decision: 'approve' | 'reject', error: string | null) => {
    const principal = c.get('principal');
    const p = await load(deps, c);
    if (p === null) return missing(c);
    const names = await sgtNames(deps.stores, principal.tenant);
    const reason =
      decision === 'reject'
        ? html`<div class="field"><label for="reason">Reason (required)</label>
<textarea id="reason" name="reason" required maxlength="${REASON_MAX}"></textarea></div>`
        : html`<div class="field"><label for="reason">Note (optional)</label>
<textarea id="reason" name="reason" maxlength="${REASON_MAX}"></textarea></div>`;
    const body = html`${error === null ? '' : notice('error', error)}
<p>${decision === 'approve' ? 'Approving writes a new matrix version with these ACEs and makes it live.' : 'Rejecting closes this proposal; its flows stay uncovered.'}</p>
${card(p, names, false, true)}
${decision === 'approve' ? await preview(deps, principal.tenant, p, names) : ''}
<form method="post" action="/ui/proposals/${p.id}/${decision}" class="panel">${reason}
<input type="hidden" name="aces" value="${aceFingerprint(p.aces as Ace[])}">
<div class="actions"><button type="submit" class="${decision === 'reject' ? 'danger' : ''}">${decision === 'approve' ? 'Confirm approval' : 'Confirm rejection'}</button>
<a href="/ui/proposals/${p.id}">Cancel</a></div></form>`;
    return page(
      c,
      {
        title: `${decision === 'approve' ? 'Approve' : 'Reject'} proposal ${p.id}?`,
        active: '/ui/proposals',
        principal,
        status: error === null ? 200 : 400,
      },
      body,
    );
  };

  for (const decision of ['approve', 'reject'] as const) {
    app.get(`/:id/${decision}`, requireUiRole('operator'), (c) => confirm(c, decision, null));
    app.post(`/:id/${decision}`, requireUiRole('operator'), async (c) => {
      const principal = c.get('principal');
      const p = await load(deps, c);
      if (p === null) return missing(c);
      const form = await c.req.parseBody();
      const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
      // What the confirmation page showed: the keeper refuses the decision if the ACEs changed since.
      const seen = typeof form.aces === 'string' && /^[0-9a-f]{16}$/.test(form.aces) ? form.aces : undefined;
      if (decision === 'reject' && reason === '') return confirm(c, decision, 'A rejection needs a reason.');
      if (reason.length > REASON_MAX)
        return confirm(c, decision, `The reason is over ${REASON_MAX} characters.`);
      const result = await command(deps, principal.tenant, {
        verb: 'decide',
        body: {
          proposalId: p.id,
          decision,
          by: principal.subject,
          channel: 'ui',
          ...(reason === '' ? {} : { reason }),
          ...(seen === undefined ? {} : { aces: seen }),
        },
      });
      if (!result.ok) return errorPage(c, result.status, 'Not done', result.detail, principal);
      const version = result.version === null ? '' : `&version=${result.version}`;
      return c.redirect(`/ui/proposals/${p.id}?done=${decision}${version}`, 303);
    });
  }
  return app;
}

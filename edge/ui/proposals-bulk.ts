/**
 * Review in bulk on the dashboard: `/ui/proposals/decide?filter=…&action=…`
 * shows every open proposal the filter selects (edge/rest/proposals-filter.ts,
 * e.g. `service:infrastructure` for DNS, NTP, RADIUS …) with a checkbox each
 * and the ACE fingerprint it was shown with; one confirmed POST decides them
 * all through the matrix keeper's batch command (each audited and checked
 * on its own, the approvals in one version), and the page lists each outcome.
 */
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Ace } from '../../domain/ace.ts';
import { aceFingerprint } from '../../domain/proposal.ts';
import type { ProposalRecord } from '../../kv-schema/mod.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { sendDecideMany } from '../rest/proposals-decide.ts';
import { FilterError, matchesFilter, parseFilter } from '../rest/proposals-filter.ts';
import { allProposals, OPEN_STATUSES, sgtNames } from './data.ts';
import { aceLine, errorPage, notice, num, page, tagLabel } from './layout.ts';
import { requireUiRole, type UiEnv } from './session.ts';

const REASON_MAX = 2000;
const MAX = 500;
const ID = /^[-_a-zA-Z0-9]{1,64}$/;

/** The open proposals a filter selects, or the filter's error. */
export async function selectOpen(
  deps: ApiDeps,
  tenant: string,
  filter: string,
): Promise<{ selected: ProposalRecord[]; error: string | null }> {
  const [all, names] = await Promise.all([allProposals(deps.stores, tenant), sgtNames(deps.stores, tenant)]);
  const open = all.filter((p) => OPEN_STATUSES.includes(p.status));
  if (filter.trim() === '') return { selected: open, error: null };
  try {
    const parsed = parseFilter(filter);
    return { selected: open.filter((p) => matchesFilter(p, parsed, names)), error: null };
  } catch (error) {
    if (error instanceof FilterError) return { selected: [], error: error.message };
    throw error;
  }
}

export function bulkRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();

  const confirm = async (c: Context<UiEnv>, error: string | null) => {
    const principal = c.get('principal');
    const filter = (c.req.query('filter') ?? '').slice(0, 500);
    const action = c.req.query('action') === 'reject' ? 'reject' : 'approve';
    const [{ selected, error: bad }, names] = await Promise.all([
      selectOpen(deps, principal.tenant, filter),
      sgtNames(deps.stores, principal.tenant),
    ]);
    const shown = selected.slice(0, MAX);
    const rows = shown.map(
      (p) => html`<tr><td><input type="checkbox" name="id" value="${p.id}" id="sel-${p.id}" checked>
<input type="hidden" name="aces-${p.id}" value="${aceFingerprint(p.aces as Ace[])}"></td>
<td><label for="sel-${p.id}"><a href="/ui/proposals/${p.id}">${tagLabel(names, p.sgt)} → ${tagLabel(names, p.dgt)}</a></label></td>
<td><code>${p.aces.map((a) => aceLine(a)).join('; ')}</code></td><td class="n">${num(p.aces.reduce((s, a) => s + a.hits, 0))}</td>
<td>${p.aces.map((a) => a.decision.category).join(', ')}</td></tr>`,
    );
    const verb = action === 'approve' ? 'Approve' : 'Reject';
    const body = html`${error === null ? '' : notice('error', error)}${bad === null ? '' : notice('error', `Filter: ${bad}`)}
<p><a href="/ui/proposals?filter=${encodeURIComponent(filter)}">← Proposals</a></p>
<p>${num(shown.length)} open proposals match <code>${filter || '(everything open)'}</code>${selected.length > MAX ? ` (the first ${MAX} of ${num(selected.length)})` : ''}.
${action === 'approve' ? 'Approving writes ONE new matrix version with all their ACEs and makes it live; each proposal is still checked (four eyes, changed ACEs) and audited on its own.' : 'Rejecting closes them; their flows stay uncovered.'}</p>
<form method="post" action="/ui/proposals/decide?action=${action}&filter=${encodeURIComponent(filter)}" class="panel" id="bulk-form">
<table><caption>Selected proposals (untick to leave one out)</caption><thead><tr><th scope="col">Decide</th><th scope="col">Cell</th><th scope="col">ACEs</th><th scope="col" class="n">Hits</th><th scope="col">Classification</th></tr></thead>
<tbody>${rows}</tbody></table>
<div class="field"><label for="reason">${action === 'reject' ? 'Reason (required)' : 'Note (optional)'}</label>
<textarea id="reason" name="reason" maxlength="${REASON_MAX}" ${action === 'reject' ? 'required' : ''}></textarea></div>
<div class="actions"><button type="submit" class="${action === 'reject' ? 'danger' : ''}" ${shown.length === 0 ? 'disabled' : ''}>${verb} ${num(shown.length)} proposals</button>
<a href="/ui/proposals">Cancel</a></div></form>`;
    return page(
      c,
      {
        title: `${verb} proposals in bulk?`,
        active: '/ui/proposals',
        principal,
        status: error === null && bad === null ? 200 : 400,
      },
      body,
    );
  };

  app.get('/decide', requireUiRole('operator'), (c) => confirm(c, null));
  app.post('/decide', requireUiRole('operator'), async (c) => {
    const principal = c.get('principal');
    const action = c.req.query('action') === 'reject' ? 'reject' : 'approve';
    const form = await c.req.parseBody({ all: true });
    const ids = [form.id ?? []].flat().filter((x): x is string => typeof x === 'string' && ID.test(x));
    const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
    if (ids.length === 0) return confirm(c, 'Tick at least one proposal.');
    if (ids.length > MAX) return confirm(c, `At most ${MAX} proposals at once.`);
    if (action === 'reject' && reason === '') return confirm(c, 'A rejection needs a reason.');
    if (reason.length > REASON_MAX) return confirm(c, `The reason is over ${REASON_MAX} characters.`);
    const proposals = [...new Set(ids)].map((id) => {
      const seen = form[`aces-${id}`];
      return {
        proposalId: id,
        ...(typeof seen === 'string' && /^[0-9a-f]{16}$/.test(seen) ? { aces: seen } : {}),
      };
    });
    const answer = await sendDecideMany(deps, principal.tenant, {
      decision: action,
      proposals,
      by: principal.subject,
      channel: 'ui',
      ...(reason === '' ? {} : { reason }),
    });
    if (answer instanceof Response) {
      const detail = ((await answer.json().catch(() => ({}))) as { detail?: string }).detail;
      return errorPage(c, 503, 'Not done', detail ?? 'the matrix keeper did not answer', principal);
    }
    const rows = answer.outcomes.map(
      (o) =>
        html`<tr><td><a href="/ui/proposals/${o.id}">${o.id}</a></td><td>${o.ok ? o.status : html`<strong>refused</strong>: ${o.code} ${o.message}`}</td></tr>`,
    );
    const body = html`${notice(
      answer.refused === 0 ? 'ok' : 'error',
      `${answer.decided} ${action === 'approve' ? 'approved' : 'rejected'}, ${answer.refused} refused.` +
        (answer.version === null ? '' : ` Matrix version ${answer.version} is now live.`),
    )}
${answer.version === null ? '' : html`<p><a href="/ui/versions/${answer.version}">Version ${answer.version}</a></p>`}
<table id="bulk-outcomes"><caption>Each proposal's outcome</caption><thead><tr><th scope="col">Proposal</th><th scope="col">Outcome</th></tr></thead><tbody>${rows}</tbody></table>
<p><a href="/ui/proposals">← Proposals</a></p>`;
    return page(c, { title: 'Bulk decision', active: '/ui/proposals', principal }, body);
  });
  return app;
}

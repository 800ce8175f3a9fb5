/**
 * Versions `/ui/versions`: every matrix version (parent, author, reason,
 * when, proposals), the live pointer's flip log, one version's diff against
 * its parent or another version as a matrix of the cells it adds, changes and
 * removes, with the flows each change decides (diff-view.ts), and rollback (admin, confirmed, with a reason), which only
 * moves the pointer and is done by the matrix keeper.
 */
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { keys, type MatrixVersionRecord, matrixVersions } from '../../kv-schema/mod.ts';
import { hasRole } from '../auth.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { versionCellDiff } from '../rest/matrix-cells.ts';
import { liveMatrix, mapParallel } from '../rest/matrix-data.ts';
import { command, sgtNames } from './data.ts';
import { cellDiffView } from './diff-view.ts';
import { errorPage, notice, page, when } from './layout.ts';
import { requireUiRole, type UiEnv } from './session.ts';

const REASON_MAX = 2000;

async function record(deps: ApiDeps, tenant: string, n: number): Promise<MatrixVersionRecord | null> {
  return (await deps.stores.matrix.get(keys.matrixVersion(tenant, n)))?.value ?? null;
}

const versionParam = (c: Context): number | null => {
  const n = Number(c.req.param('n'));
  return Number.isInteger(n) && n >= 1 && n <= 1_000_000_000 ? n : null;
};

export function versionsRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const missing = (c: Context<UiEnv>) =>
    errorPage(c, 404, 'Not found', 'No such matrix version.', c.get('principal'));

  app.get('/', async (c) => {
    const principal = c.get('principal');
    const tenant = principal.tenant;
    const numbers = (await matrixVersions(deps.stores, tenant)).reverse();
    const [records, live, flips] = await Promise.all([
      mapParallel(numbers, (n) => record(deps, tenant, n)),
      liveMatrix(deps.stores, tenant),
      deps.stores.pointer.history(keys.matrixCurrent(tenant)).catch(() => []),
    ]);
    const done = c.req.query('done') === 'rollback' ? c.req.query('version') : undefined;
    const rows = records.flatMap((r) =>
      r === null
        ? []
        : [
            html`<tr${r.version === live.version ? html` class="s-permit"` : ''}>
<th scope="row"><a href="/ui/versions/${r.version}">v${r.version}</a>${r.version === live.version ? ' (live)' : ''}</th>
<td>${r.parent === null ? '—' : `v${r.parent}`}</td><td>${r.author} <span class="muted">via ${r.channel}</span></td><td>${r.reason}</td>
<td>${when(r.atMs)}</td><td>${r.proposals.map((p) => html`<a href="/ui/proposals/${p}">${p}</a> `)}</td><td class="n">${r.matrix.cells.length}</td></tr>`,
          ],
    );
    const flipRows = flips
      .map((f, i) => ({ f: f.value, from: i === 0 ? null : (flips[i - 1]?.value.version ?? null) }))
      .reverse()
      .map(
        ({
          f,
          from,
        }) => html`<tr><td>${when(Date.parse(f.at))}</td><td>${from === null ? '—' : `v${from}`} → <strong>v${f.version}</strong></td>
<td>${f.by} <span class="muted">via ${f.channel}</span></td><td>${f.reason}</td></tr>`,
      );
    const body = html`${done === undefined ? '' : notice('ok', `Rolled back: version ${done} is live again.`)}
<p>Live: <strong id="live-version">${live.version === 0 ? 'none' : `v${live.version}`}</strong>${live.pointer === null ? '' : ` (latest written v${live.pointer.value.latest})`}</p>
<h2>History</h2>
${
  rows.length === 0
    ? html`<p>No version yet: approve a proposal to write version 1.</p>`
    : html`<table><thead><tr><th scope="col">Version</th><th scope="col">Parent</th><th scope="col">Author</th><th scope="col">Reason</th>
<th scope="col">When</th><th scope="col">Proposals</th><th scope="col" class="n">Cells</th></tr></thead><tbody>${rows}</tbody></table>`
}
<h2>Pointer flip log</h2>
${
  flipRows.length === 0
    ? html`<p>The pointer has not moved yet.</p>`
    : html`<table id="flip-log"><thead><tr><th scope="col">When</th><th scope="col">Move</th><th scope="col">By</th><th scope="col">Reason</th></tr></thead><tbody>${flipRows}</tbody></table>`
}`;
    return page(c, { title: 'Versions', active: '/ui/versions', principal }, body);
  });

  app.get('/:n', async (c) => {
    const principal = c.get('principal');
    const n = versionParam(c);
    const r = n === null ? null : await record(deps, principal.tenant, n);
    if (r === null) return missing(c);
    const [numbers, names, live] = await Promise.all([
      matrixVersions(deps.stores, principal.tenant),
      sgtNames(deps.stores, principal.tenant),
      liveMatrix(deps.stores, principal.tenant),
    ]);
    // Another version to compare with, when asked for and written; else the parent (the empty matrix for v1).
    const asked = Number(c.req.query('against') ?? Number.NaN);
    const against = asked === 0 || numbers.includes(asked) ? asked : (r.parent ?? 0);
    const diff = await versionCellDiff(deps.stores, principal.tenant, r.version, against);
    const base = against === 0 ? 'the empty matrix' : `v${against}`;
    const others = [0, ...numbers.filter((x) => x !== r.version)];
    const canRollback = hasRole(principal, 'admin') && live.version !== r.version;
    const body = html`<p><a href="/ui/versions">← Versions</a></p>
<dl class="kv"><dt>Parent</dt><dd>${r.parent === null ? 'none (first version)' : html`<a href="/ui/versions/${r.parent}">v${r.parent}</a>`}</dd>
<dt>Author</dt><dd>${r.author} via ${r.channel}</dd><dt>Reason</dt><dd>${r.reason}</dd><dt>When</dt><dd>${when(r.atMs)}</dd>
<dt>Default</dt><dd><code>${r.matrix.defaultRule}</code></dd><dt>Live</dt><dd>${live.version === r.version ? 'yes' : `no (v${live.version} is)`}</dd></dl>
<h2 id="changes">Changes from ${base}</h2>
<form method="get" action="/ui/versions/${r.version}" class="actions"><label for="against">Compare with</label>
<select id="against" name="against">${others.map((x) => html`<option value="${x}" ${x === against ? 'selected' : ''}>${x === 0 ? 'the empty matrix' : `v${x}`}${x === r.parent ? ' (parent)' : ''}</option>`)}</select>
<button type="submit" class="secondary">Compare</button></form>
${cellDiffView(diff, names, 'diff', `Cells v${r.version} changes (rows: source tag, columns: destination tag)`)}
${canRollback ? html`<p><a class="button danger" href="/ui/versions/${r.version}/rollback">Roll back to v${r.version}…</a></p>` : ''}`;
    return page(c, { title: `Matrix version ${r.version}`, active: '/ui/versions', principal }, body);
  });

  const confirm = async (c: Context<UiEnv>, error: string | null) => {
    const principal = c.get('principal');
    const n = versionParam(c);
    const r = n === null ? null : await record(deps, principal.tenant, n);
    if (r === null) return missing(c);
    const body = html`${error === null ? '' : notice('error', error)}
<p>The live pointer moves to v${r.version} (${r.reason}); no version is deleted, and you can move it forward again.</p>
<form method="post" action="/ui/versions/${r.version}/rollback" class="panel">
<div class="field"><label for="reason">Reason (required)</label><textarea id="reason" name="reason" required maxlength="${REASON_MAX}"></textarea></div>
<div class="actions"><button type="submit" class="danger">Confirm rollback to v${r.version}</button><a href="/ui/versions/${r.version}">Cancel</a></div></form>`;
    return page(
      c,
      { title: `Roll back to v${r.version}?`, active: '/ui/versions', principal, status: error ? 400 : 200 },
      body,
    );
  };
  app.get('/:n/rollback', requireUiRole('admin'), (c) => confirm(c, null));
  app.post('/:n/rollback', requireUiRole('admin'), async (c) => {
    const principal = c.get('principal');
    const n = versionParam(c);
    if (n === null) return missing(c);
    const form = await c.req.parseBody();
    const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
    if (reason === '') return confirm(c, 'A rollback needs a reason.');
    if (reason.length > REASON_MAX) return confirm(c, `The reason is over ${REASON_MAX} characters.`);
    const result = await command(deps, principal.tenant, {
      verb: 'rollback',
      body: { version: n, by: principal.subject, channel: 'ui', reason },
    });
    if (!result.ok) return errorPage(c, result.status, 'Not done', result.detail, principal);
    return c.redirect(`/ui/versions?done=rollback&version=${n}`, 303);
  });
  return app;
}

/**
 * Upload `/ui/upload`: a syslog file (plain or gzip) goes from the browser
 * straight to `POST /api/v1/runs` (the session cookie authenticates it; the
 * script shows upload progress), and `/ui/upload/{id}` shows the run's
 * matrix as a table with CSV and markdown downloads from the runs API.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { keys } from '../../kv-schema/mod.ts';
import { openRunStore, type RunStore } from '../../kv-schema/run-record.ts';
import { hasRole } from '../auth.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { aceLine, errorPage, num, page, tagLabel, when } from './layout.ts';
import type { UiEnv } from './session.ts';

const RUN_ID = /^[-_a-zA-Z0-9]{1,64}$/;

export function uploadRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  let opened: Promise<RunStore> | undefined;
  const runs = (): Promise<RunStore> => {
    opened ??= openRunStore(deps.engine, deps.ns).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };

  app.get('/', (c) => {
    const principal = c.get('principal');
    const body = hasRole(principal, 'operator')
      ? html`<p>Analyse a syslog file of SGACL hits (plain text, or compressed with gzip) without touching the live matrix: the result is a proposed matrix you can download.</p>
<form id="upload-form" class="panel" method="post" action="/api/v1/runs" enctype="multipart/form-data">
<div class="field"><label for="upload-file">Syslog file</label>
<input type="file" id="upload-file" name="file" accept=".log,.txt,.gz,.syslog,text/plain,application/gzip" required></div>
<div class="field"><label for="upload-classifier">Classifier</label>
<select id="upload-classifier" name="classifier"><option value="auto">auto (Claude when configured)</option><option value="heuristic">heuristic only</option></select></div>
<button type="submit">Upload and analyse</button>
<progress id="upload-progress" max="1" value="0" hidden aria-label="Upload progress"></progress>
<p id="upload-status" role="status" aria-live="polite" hidden></p>
</form>`
      : html`<p class="notice">Uploading needs the operator role; you have ${principal.role}.</p>`;
    return page(c, { title: 'Upload a syslog file', active: '/ui/upload', principal }, body);
  });

  app.get('/:id', async (c) => {
    const principal = c.get('principal');
    const id = c.req.param('id');
    const found = RUN_ID.test(id) ? await (await runs()).get(keys.run(principal.tenant, id)) : null;
    if (found === null) return errorPage(c, 404, 'Not found', 'No such run.', principal);
    const run = found.value;
    const names = new Map(run.sgtNames);
    const rows = [...run.contracts]
      .sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt)
      .map(
        (
          k,
        ) => html`<tr><td>${tagLabel(names, k.sgt)}</td><td>${tagLabel(names, k.dgt)}</td><td><code>${k.name}</code></td>
<td><pre>${k.aces.map((a) => `${aceLine(a)}\n`)}</pre></td><td class="n">${num(k.hits)}</td></tr>`,
      );
    const base = `/api/v1/runs/${encodeURIComponent(run.id)}/matrix`;
    const s = run.stats;
    const body = html`<dl class="kv"><dt>Run</dt><dd class="mono">${run.id}</dd><dt>When</dt><dd>${when(Date.parse(run.createdAt))} by ${run.createdBy}</dd>
<dt>Files</dt><dd>${run.sources.map((f) => `${f.name} (${num(f.bytes)} bytes${f.gzip ? ', gzip' : ''}) `)}</dd>
<dt>Lines</dt><dd>${num(s.linesRead)} read: ${num(s.events)} SGACL hit events (${num(s.hits)} hits), ${num(s.notSgaclHit)} other syslog, ${num(s.rejectedTotal)} rejected</dd>
<dt>Result</dt><dd>${num(run.flowCount)} flows, ${num(run.contractCount)} contracts${run.truncated ? ' (stored in part: the downloads hold what was kept)' : ''}</dd>
<dt>Missing SGT names</dt><dd>${run.missingSgts.length === 0 ? 'none' : run.missingSgts.join(', ')}</dd></dl>
<div class="actions"><a class="button" href="${base}?format=csv" download>Download CSV</a>
<a class="button secondary" href="${base}?format=markdown" download>Download markdown</a></div>
<h2>Proposed matrix</h2>
${
  rows.length === 0
    ? html`<p>No SGACL hits: nothing to propose.</p>`
    : html`<table id="run-matrix"><thead><tr><th scope="col">Source</th><th scope="col">Destination</th><th scope="col">SGACL</th><th scope="col">ACEs</th><th scope="col" class="n">Hits</th></tr></thead>
<tbody>${rows}</tbody></table>`
}`;
    return page(c, { title: 'Analysis result', active: '/ui/upload', principal }, body);
  });
  return app;
}

/**
 * How the dashboard's ISE page shows the sync's data: the status, a stage's
 * plan (operations grouped by kind, conflicts and warnings set apart, what a
 * deny would drop, the readiness and the static fallback policy), a push
 * report and drift. Everything goes through `hono/html`, which escapes it:
 * SGACL names and ACL text come from ISE and are shown, never trusted.
 */
import { html } from 'hono/html';
import type {
  IseCellRef,
  IseDrift,
  IseOperation,
  IsePlan,
  IsePushReport,
  IseStatus,
} from '../../integrations/ise/sync/types.ts';
import { type Html, notice, num, pct, tagLabel, when } from './layout.ts';

type Names = ReadonlyMap<number, string>;

export const STAGE_TEXT: Record<string, string> = {
  monitor: 'Monitor: new and changed cells go to ISE in MONITOR, so their denies are logged, not enforced',
  enforce: 'Enforce: cells that have soaked in monitor become ENABLED',
  'deny-default':
    'Deny default: the ANY-ANY cell becomes deny ip (readiness gate; load the fallback policy first)',
};

const KIND_TEXT: Record<string, string> = {
  'create-sgacl': 'Create SGACL',
  'update-sgacl': 'Update SGACL',
  'delete-sgacl': 'Delete SGACL',
  'create-cell': 'Create cell',
  'update-cell': 'Update cell',
  'delete-cell': 'Delete cell',
  'set-cell-status': 'Set cell status',
  'set-default': 'Set the default (ANY-ANY)',
};

/** `Employees (4) → Web_Servers (10)`, the dictionary's names first, then the plan's. */
export function cellLabel(c: IseCellRef | undefined, names: Names): string {
  if (c === undefined) return 'ANY → ANY (default)';
  const name = (tag: number, fallback: string) =>
    names.has(tag) || fallback === '' ? tagLabel(names, tag) : `${fallback} (${tag})`;
  return `${name(c.sgt, c.srcName)} → ${name(c.dgt, c.dstName)}`;
}

function operationRow(o: IseOperation, names: Names): Html {
  const target = o.cell !== undefined ? cellLabel(o.cell, names) : (o.sgaclName ?? o.id);
  const to = o.status ?? o.defaultRule ?? (o.sgacls && o.sgacls.length > 0 ? o.sgacls.join(', ') : '');
  return html`<tr><td>${target}</td><td>${o.cell !== undefined ? (o.sgaclName ?? '') : ''}</td><td>${to}</td>
<td>${o.reason}${o.content ? html`<pre>${o.content}</pre>` : ''}</td>
<td class="n">${o.impact ? html`<strong class="critical">${num(o.impact.flows)} flows, ${num(o.impact.hits)} hits</strong>` : ''}</td></tr>`;
}

export function planView(p: IsePlan, names: Names): Html {
  const kinds = [...new Set(p.operations.map((o) => o.kind))];
  const groups = kinds.map((kind) => {
    const ops = p.operations.filter((o) => o.kind === kind);
    return html`<table><caption>${KIND_TEXT[kind] ?? kind} (${num(ops.length)})</caption>
<thead><tr><th scope="col">Cell or SGACL</th><th scope="col">SGACL</th><th scope="col">To</th><th scope="col">Why</th><th scope="col" class="n">Would drop</th></tr></thead>
<tbody>${ops.map((o) => operationRow(o, names))}</tbody></table>`;
  });
  const readiness =
    p.readiness === undefined
      ? ''
      : p.readiness.ratio >= p.readiness.required
        ? notice(
            'ok',
            `Readiness ${pct(p.readiness.ratio)}, at or above the ${pct(p.readiness.required)} required.`,
          )
        : notice(
            'error',
            `Readiness ${pct(p.readiness.ratio)} is below the ${pct(p.readiness.required)} required: a push needs force, and is recorded as forced.`,
          );
  return html`<p>Version ${p.version}: <strong>${num(p.operations.length)}</strong> ERS writes, ${num(p.conflicts.length)} conflicts, ${num(p.warnings.length)} warnings.</p>
${readiness}
${p.operations.length === 0 ? html`<p>Nothing to write: ISE already holds this stage of version ${p.version}.</p>` : groups}
${
  p.conflicts.length === 0
    ? ''
    : html`<div class="notice error" role="alert"><strong>Conflicts: changed in ISE since the product last saw them, left alone.</strong>
<ul>${p.conflicts.map((c) => html`<li>${cellLabel(c.cell, names)}: ${c.reason}</li>`)}</ul></div>`
}
${
  p.warnings.length === 0
    ? ''
    : html`<div class="notice" role="status"><strong>Warnings</strong>
<ul>${p.warnings.map((w) => html`<li><code>${w.code}</code> ${w.message}</li>`)}</ul></div>`
}
${
  p.fallback === undefined
    ? ''
    : html`<details><summary>Static fallback policy (load it on the switches before the flip)</summary><pre>${p.fallback}</pre></details>`
}`;
}

export function statusView(s: IseStatus, names: Names): Html {
  const monitoring =
    s.monitoring.length === 0
      ? ''
      : html`<table><caption>Cells in monitor</caption><thead><tr><th scope="col">Cell</th><th scope="col">Since</th><th scope="col">Enforceable at</th></tr></thead>
<tbody>${s.monitoring.map((m) => html`<tr><td>${cellLabel(m.cell, names)}</td><td>${when(m.sinceMs)}</td><td>${when(m.enforceableAtMs)}</td></tr>`)}</tbody></table>`;
  return html`<dl class="kv"><dt>ISE</dt><dd><code>${s.url ?? '—'}</code></dd>
<dt>Last import</dt><dd>${s.lastImport ? `version ${s.lastImport.version}, ${when(s.lastImport.atMs)}, by ${s.lastImport.by}` : 'never'}</dd>
<dt>Last push</dt><dd>${s.lastPush ? `${s.lastPush.stage} of version ${s.lastPush.version}, ${when(s.lastPush.atMs)}, by ${s.lastPush.by}: ${num(s.lastPush.applied)} applied, ${num(s.lastPush.failed)} failed` : 'never'}</dd>
<dt>Last drift check</dt><dd>${s.lastDrift ? html`<strong id="drift-count">${num(s.lastDrift.count)}</strong> differences, ${when(s.lastDrift.atMs)}` : 'never'} · <a href="/ui/ise/drift">check now</a></dd></dl>
${monitoring}`;
}

export function pushView(r: IsePushReport, names: Names): Html {
  const row = (x: { operation: IseOperation; error?: string }) =>
    html`<tr><td>${KIND_TEXT[x.operation.kind] ?? x.operation.kind}</td><td>${x.operation.cell ? cellLabel(x.operation.cell, names) : (x.operation.sgaclName ?? x.operation.id)}</td><td>${x.error ?? ''}</td></tr>`;
  const table = (caption: string, list: readonly { operation: IseOperation; error?: string }[]) =>
    list.length === 0
      ? ''
      : html`<table><caption>${caption} (${num(list.length)})</caption><thead><tr><th scope="col">Operation</th><th scope="col">What</th><th scope="col">Error</th></tr></thead><tbody>${list.map(row)}</tbody></table>`;
  return html`${
    r.failed.length > 0
      ? notice(
          'error',
          `${num(r.failed.length)} ISE writes failed; what was already written stays. Push again once ISE is fixed: what is right is skipped.`,
        )
      : notice(
          'ok',
          `Pushed ${r.stage} of version ${r.version}: ${num(r.applied.length)} applied, ${num(r.skipped.length)} already right.`,
        )
  }
${table('Failed', r.failed)}${table('Applied', r.applied)}
${r.conflicts.length === 0 ? '' : html`<div class="notice error" role="alert"><strong>Conflicts, left alone</strong><ul>${r.conflicts.map((c) => html`<li>${cellLabel(c.cell, names)}: ${c.reason}</li>`)}</ul></div>`}`;
}

export function driftView(drift: readonly IseDrift[], names: Names, atMs: number): Html {
  if (drift.length === 0) return notice('ok', `No drift: ISE matches the approved matrix (${when(atMs)}).`);
  return html`${notice('error', `${num(drift.length)} differences between ISE and the approved matrix (${when(atMs)}).`)}
<table id="drift"><thead><tr><th scope="col">Kind</th><th scope="col">Cell</th><th scope="col">Detail</th><th scope="col">Approved</th><th scope="col">In ISE</th></tr></thead>
<tbody>${drift.map((d) => html`<tr><td>${d.kind}</td><td>${cellLabel(d.cell, names)}</td><td>${d.detail}</td><td><pre>${d.expected ?? ''}</pre></td><td><pre>${d.actual ?? ''}</pre></td></tr>`)}</tbody></table>`;
}

/**
 * Tools for the tenant's Cisco ISE: its status, the plan of a push stage and
 * drift are read-only; `ise_push` and `ise_import` write to ISE (or, for an
 * import, make a new approved version from it) and are offered only when the
 * server's ISE write gate is open, to admins. Inputs are the REST API's own
 * schemas, so MCP and REST accept exactly the same stages and versions.
 */
import * as v from 'valibot';
import type {
  IseConflict,
  IseDrift,
  IseImportReport,
  IseOperation,
  IsePlan,
  IsePushReport,
  IseStatus,
  IseWarning,
} from '../../integrations/ise/sync/types.ts';
import { IsePushBody, StageField } from '../rest/ise-schemas.ts';
import { callApiNamed, named, type SgtNames } from './names.ts';
import { num, pct, table, tag, text, when } from './render.ts';
import { args, defineTool, Gate, type Tool } from './tool.ts';

const readOnly = { readOnlyHint: true, openWorldHint: true } as const;
const Stage = v.pipe(StageField, v.description('monitor, enforce or deny-default'));
const Version = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1),
  v.maxValue(1_000_000_000),
  v.description('An approved matrix version; default: the live one'),
);

/** The dictionary's name first, else the name the plan carries (ISE's, or the contract's). */
const side = (t: number, fallback: string, names: SgtNames): string =>
  names.has(t) || fallback === '' ? named(t, names) : tag({ tag: t, name: fallback });

const cellName = (c: IseOperation['cell'], names: SgtNames): string =>
  c === undefined
    ? 'ANY → ANY (default)'
    : `${side(c.sgt, c.srcName, names)} → ${side(c.dgt, c.dstName, names)}`;

const conflictRows = (list: readonly IseConflict[], names: SgtNames) =>
  list.map((c) => [cellName(c.cell, names), text(c.reason, 200)]);

function planText(p: IsePlan, names: SgtNames): string {
  const lines = [
    `**Plan: ${p.stage} of version ${p.version}**: ${num(p.operations.length)} ERS writes, ` +
      `${num(p.conflicts.length)} conflicts, ${num(p.warnings.length)} warnings.`,
  ];
  if (p.readiness)
    lines.push(`Readiness ${pct(p.readiness.ratio)}; the setting requires ${pct(p.readiness.required)}.`);
  lines.push(
    '',
    table(
      ['operation', 'cell or SGACL', 'to', 'reason', 'would drop'],
      p.operations.map((o) => [
        o.kind,
        o.kind.endsWith('-sgacl') || o.cell === undefined
          ? `\`${text(o.sgaclName ?? o.id, 80)}\``
          : cellName(o.cell, names),
        o.status ?? o.defaultRule ?? (o.content ? `\`${text(o.content.replaceAll('\n', '; '), 120)}\`` : ''),
        text(o.reason, 160),
        o.impact ? `${num(o.impact.flows)} flows, ${num(o.impact.hits)} hits` : '',
      ]),
      50,
    ),
  );
  if (p.conflicts.length > 0)
    lines.push(
      '',
      '**Conflicts (changed in ISE, left alone):**',
      table(['cell', 'why'], conflictRows(p.conflicts, names)),
    );
  if (p.warnings.length > 0)
    lines.push(
      '',
      '**Warnings:**',
      ...p.warnings.map((w: IseWarning) => `- ${w.code}: ${text(w.message, 300)}`),
    );
  if (p.fallback)
    lines.push('', 'A static fallback policy for the switches is in the structured result (`fallback`).');
  return lines.join('\n');
}

function pushText(r: IsePushReport, names: SgtNames): string {
  const lines = [
    `**Pushed ${r.stage} of version ${r.version}**: ${num(r.applied.length)} applied, ${num(r.skipped.length)} ` +
      `already right, ${num(r.conflicts.length)} conflicts, ${num(r.failed.length)} failed.`,
  ];
  if (r.failed.length > 0)
    lines.push(
      '',
      table(
        ['failed', 'error'],
        r.failed.map((f) => [
          f.operation.cell ? cellName(f.operation.cell, names) : f.operation.id,
          text(f.error ?? '', 200),
        ]),
      ),
    );
  if (r.conflicts.length > 0) lines.push('', table(['conflict', 'why'], conflictRows(r.conflicts, names)));
  return lines.join('\n');
}

function driftText(d: { atMs: number; drift: IseDrift[] }, names: SgtNames): string {
  if (d.drift.length === 0) return `No drift: ISE matches the approved matrix (checked ${when(d.atMs)}).`;
  return [
    `**${num(d.drift.length)} differences** between ISE and the approved matrix (checked ${when(d.atMs)}).`,
    '',
    table(
      ['kind', 'cell', 'detail', 'approved', 'in ISE'],
      d.drift.map((x) => [
        x.kind,
        cellName(x.cell, names),
        text(x.detail, 200),
        text((x.expected ?? '').replaceAll('\n', '; '), 120),
        text((x.actual ?? '').replaceAll('\n', '; '), 120),
      ]),
      50,
    ),
  ].join('\n');
}

function statusText(s: IseStatus, names: SgtNames): string {
  if (!s.configured) return `Tenant ${text(s.tenant, 64)} has no ISE configured.`;
  const lines = [
    `ISE for tenant ${text(s.tenant, 64)} at ${text(s.url ?? '?', 200)}.`,
    `- Last import: ${s.lastImport ? `version ${s.lastImport.version} at ${when(s.lastImport.atMs)}` : 'never'}`,
    `- Last push: ${s.lastPush ? `${s.lastPush.stage} of version ${s.lastPush.version} at ${when(s.lastPush.atMs)}, ${num(s.lastPush.applied)} applied, ${num(s.lastPush.failed)} failed` : 'never'}`,
    `- Last drift check: ${s.lastDrift ? `${num(s.lastDrift.count)} differences at ${when(s.lastDrift.atMs)}` : 'never'}`,
  ];
  if (s.monitoring.length > 0)
    lines.push(
      '',
      table(
        ['cell in monitor', 'since', 'enforceable at'],
        s.monitoring.map((m) => [cellName(m.cell, names), when(m.sinceMs), when(m.enforceableAtMs)]),
      ),
    );
  return lines.join('\n');
}

export const ISE_TOOLS: readonly Tool[] = [
  defineTool({
    name: 'ise_status',
    title: 'ISE status',
    description:
      "The tenant's Cisco ISE link: its address, the last import, push and drift check, and the cells pushed in " +
      'monitor with when each may be enforced. Read-only.',
    input: args({}),
    annotations: readOnly,
    run: (_a, api) => callApiNamed<IseStatus>(api, { method: 'GET', path: '/ise/status' }, statusText),
  }),
  defineTool({
    name: 'ise_plan',
    title: 'Plan an ISE push',
    description:
      'What pushing one stage of an approved matrix version to Cisco ISE would write, without writing anything: ' +
      'monitor (new cells as MONITOR), enforce (soaked cells to ENABLED), deny-default (the ANY-ANY default to ' +
      'deny ip, with the readiness, what it would drop and a static fallback policy). Conflicts are cells ' +
      'someone changed in ISE; they are never overwritten. Reads ISE.',
    input: args({ stage: Stage, version: v.optional(Version) }),
    annotations: readOnly,
    run: ({ stage, version }, api) =>
      callApiNamed<IsePlan>(api, { method: 'GET', path: '/ise/plan', query: { stage, version } }, planText),
  }),
  defineTool({
    name: 'ise_drift',
    title: 'ISE drift',
    description:
      'Compare the approved matrix with what Cisco ISE holds now: cells missing, extra or changed in ISE and a ' +
      'different default. Reads ISE; changes nothing.',
    input: args({}),
    annotations: readOnly,
    run: (_a, api) =>
      callApiNamed<{ atMs: number; drift: IseDrift[] }>(
        api,
        { method: 'GET', path: '/ise/drift' },
        driftText,
      ),
  }),
  defineTool({
    name: 'ise_push',
    title: 'Push to ISE',
    description:
      'Write one stage of an approved matrix version to Cisco ISE, changing live network policy. Call ise_plan ' +
      'first and push only on the explicit instruction of the person you work for. `force` pushes deny-default ' +
      'below the readiness setting and is recorded. Needs the admin role; only offered when the server enables ' +
      'ISE writes.',
    input: args({
      stage: Stage,
      version: v.optional(Version),
      force: v.optional(
        v.pipe(IsePushBody.entries.force.wrapped, v.description('deny-default below the readiness setting')),
      ),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    gate: Gate.IseWrite,
    run: ({ stage, version, force }, api) =>
      callApiNamed<IsePushReport>(
        api,
        {
          method: 'POST',
          path: '/ise/push',
          body: {
            stage,
            ...(version === undefined ? {} : { version }),
            ...(force === undefined ? {} : { force }),
          },
        },
        pushText,
      ),
  }),
  defineTool({
    name: 'ise_import',
    title: 'Import from ISE',
    description:
      "Read Cisco ISE's live TrustSec matrix and make it the tenant's approved matrix version (a new version, " +
      'recorded with your identity). Only on the explicit instruction of the person you work for. Needs the admin ' +
      'role; only offered when the server enables ISE writes.',
    input: args({}),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    gate: Gate.IseWrite,
    run: (_a, api) =>
      callApiNamed<IseImportReport>(
        api,
        { method: 'POST', path: '/ise/import' },
        (r) =>
          `Imported ISE as version ${r.version}${r.created === false ? ' (unchanged)' : ''}: ${num(r.sgts)} SGTs, ` +
          `${num(r.cells)} cells, ${num(r.sgacls)} SGACLs, ${num(r.verbatim)} ACE lines kept verbatim.`,
      ),
  }),
];

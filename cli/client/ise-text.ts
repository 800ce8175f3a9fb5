/**
 * What `scopilot ise …` prints for people: a plan grouped by kind of
 * operation (SGACLs, cells, statuses, the default), with conflicts and
 * warnings set apart (red and yellow on a terminal, `!` either way), a push
 * report, drift and status. Tags read `Employees (4)`. Bodies are read
 * defensively: whatever the server answered is printed, never thrown on.
 */
import {
  cell,
  colour,
  fields,
  isRecord,
  listOf,
  num,
  percent,
  type SgtNames,
  table,
  when,
} from './output.ts';

const plural = (n: number, word: string): string => `${num(n)} ${word}${n === 1 ? '' : 's'}`;
const rec = (x: unknown): Record<string, unknown> => (isRecord(x) ? x : {});
const str = (x: unknown): string => (typeof x === 'string' ? x : '');

const paint =
  (code: number) =>
  (text: string): string =>
    colour() ? `\x1b[${code}m${text}\x1b[0m` : text;
const red = paint(31);
const yellow = paint(33);
const bold = paint(1);

/** `Employees (4)`: the dictionary's name, else the name ISE and the plan gave, else the number. */
function tag(value: unknown, fallback: unknown, names: SgtNames): string {
  if (typeof value !== 'number') return '?';
  const name = names.get(value) ?? (str(fallback) || (value === 0 ? 'Unknown' : ''));
  return name === '' ? String(value) : `${cell(name, 40)} (${value})`;
}

/** A cell reference `{sgt, dgt, srcName, dstName}` as `Employees (4) → Web (10)`. */
export function cellText(ref: unknown, names: SgtNames = new Map()): string {
  const c = rec(ref);
  if (c.sgt === undefined) return 'ANY → ANY (default)';
  return `${tag(c.sgt, c.srcName, names)} → ${tag(c.dgt, c.dstName, names)}`;
}

const KIND_TITLES: Record<string, string> = {
  'create-sgacl': 'create SGACL',
  'update-sgacl': 'update SGACL',
  'delete-sgacl': 'delete SGACL',
  'create-cell': 'create cell',
  'update-cell': 'update cell',
  'delete-cell': 'delete cell',
  'set-cell-status': 'set cell status',
  'set-default': 'set the default (ANY-ANY)',
};

/** One line of ACL content per ACE, indented under the operation. */
const content = (text: unknown): string[] =>
  str(text)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => `      ${l}`);

function operationLines(op: Record<string, unknown>, names: SgtNames): string[] {
  const what =
    op.cell !== undefined
      ? cellText(op.cell, names)
      : op.kind === 'set-default'
        ? 'ANY → ANY (default)'
        : str(op.sgaclName) || str(op.id);
  const parts = [what];
  if (op.cell !== undefined && op.sgaclName !== undefined) parts.push(str(op.sgaclName));
  if (op.status !== undefined) parts.push(`→ ${str(op.status)}`);
  if (op.defaultRule !== undefined) parts.push(`default ${str(op.defaultRule)}`);
  if (Array.isArray(op.sgacls) && op.sgacls.length > 0 && op.sgaclName === undefined)
    parts.push(`SGACLs ${op.sgacls.map(str).join(', ')}`);
  const impact = rec(op.impact);
  const lines = [`  ${parts.join('   ')}`];
  if (str(op.reason) !== '') lines.push(`      ${str(op.reason)}`);
  if (impact.flows !== undefined)
    lines.push(yellow(`      would drop ${num(impact.flows)} observed flows, ${num(impact.hits)} hits`));
  lines.push(...content(op.content));
  return lines;
}

const conflictLines = (list: Record<string, unknown>[], names: SgtNames): string[] =>
  list.map((c) => red(`  ! ${cellText(c.cell, names)}: ${str(c.reason)}`));

const warningLines = (list: Record<string, unknown>[]): string[] =>
  list.map((w) => yellow(`  ! ${str(w.code)}: ${str(w.message)}`));

/** A plan, grouped by kind of operation, conflicts and warnings set apart. */
export function planText(body: unknown, names: SgtNames = new Map()): string {
  const p = rec(body);
  const ops = listOf(p.operations);
  const conflicts = listOf(p.conflicts);
  const warnings = listOf(p.warnings);
  const out = [
    bold(`plan: ${str(p.stage)} of version ${String(p.version ?? '?')} (tenant ${str(p.tenant)})`),
    `${plural(ops.length, 'ERS write')}, ${plural(conflicts.length, 'conflict')}, ${plural(warnings.length, 'warning')}`,
  ];
  const readiness = rec(p.readiness);
  if (readiness.ratio !== undefined) {
    const ok = Number(readiness.ratio) >= Number(readiness.required);
    const line = `readiness ${percent(readiness.ratio)} (required ${percent(readiness.required)})`;
    out.push(ok ? line : red(`${line}: a push needs --force`));
  }
  if (ops.length === 0) out.push('', 'nothing to write: ISE already holds this stage of the version');
  const kinds = [...new Set(ops.map((o) => str(o.kind)))];
  for (const kind of kinds) {
    const group = ops.filter((o) => o.kind === kind);
    out.push('', bold(`${KIND_TITLES[kind] ?? kind} (${num(group.length)})`));
    for (const op of group) out.push(...operationLines(op, names));
  }
  if (conflicts.length > 0)
    out.push(
      '',
      red(bold('CONFLICTS: changed in ISE since last seen, left alone')),
      ...conflictLines(conflicts, names),
    );
  if (warnings.length > 0) out.push('', yellow(bold('WARNINGS')), ...warningLines(warnings));
  if (str(p.fallback) !== '')
    out.push('', bold('static fallback policy: load it on the switches before the flip'), str(p.fallback));
  return out.join('\n');
}

/** A push report: the totals, then what failed and what was written. */
export function pushText(body: unknown, names: SgtNames = new Map()): string {
  const r = rec(body);
  const applied = listOf(r.applied);
  const skipped = listOf(r.skipped);
  const failed = listOf(r.failed);
  const conflicts = listOf(r.conflicts);
  const totals =
    `${num(applied.length)} applied, ${num(skipped.length)} already right, ` +
    `${num(conflicts.length)} conflicts, ${num(failed.length)} failed` +
    (typeof r.writes === 'number' ? ` (${num(r.writes)} ERS writes)` : '');
  const out = [
    bold(`push: ${str(r.stage)} of version ${String(r.version ?? '?')} (tenant ${str(r.tenant)})`),
    failed.length > 0 ? red(totals) : totals,
  ];
  const row = (x: Record<string, unknown>) => {
    const op = rec(x.operation);
    return [
      KIND_TITLES[str(op.kind)] ?? str(op.kind),
      op.cell ? cellText(op.cell, names) : str(op.sgaclName),
    ];
  };
  if (failed.length > 0) {
    out.push('', red(bold('FAILED')));
    for (const f of failed) out.push(red(`  ! ${row(f).join('  ')}: ${str(f.error)}`));
  }
  if (conflicts.length > 0)
    out.push('', red(bold('CONFLICTS: left alone')), ...conflictLines(conflicts, names));
  if (applied.length > 0) out.push('', table(['APPLIED', 'WHAT'], applied.map(row)));
  return out.join('\n');
}

/** Drift: one row per difference, or a line saying ISE matches. */
export function driftText(body: unknown, names: SgtNames = new Map()): string {
  const d = rec(body);
  const list = listOf(d.drift);
  if (list.length === 0) return `no drift: ISE matches the approved matrix (checked ${when(d.atMs)})`;
  return [
    yellow(`${num(list.length)} differences between ISE and the approved matrix (checked ${when(d.atMs)})`),
    table(
      ['KIND', 'CELL', 'DETAIL', 'APPROVED', 'IN ISE'],
      list.map((x) => [
        str(x.kind),
        x.cell === undefined ? 'ANY → ANY (default)' : cellText(x.cell, names),
        cell(x.detail, 60),
        cell(str(x.expected).replaceAll('\n', '; '), 50),
        cell(str(x.actual).replaceAll('\n', '; '), 50),
      ]),
    ),
  ].join('\n');
}

/** What an import brought in. */
export function importText(body: unknown): string {
  const r = rec(body);
  const made = r.created === false ? ' (unchanged: ISE matched the live version)' : '';
  return fields([
    ['version', `${String(r.version ?? '?')}${made}`],
    ['SGTs', num(r.sgts)],
    ['cells', num(r.cells)],
    ['SGACLs', num(r.sgacls)],
    ['kept verbatim', `${num(r.verbatim)} ACE lines`],
  ]);
}

export function statusText(body: unknown, names: SgtNames = new Map()): string {
  const s = rec(body);
  if (s.configured !== true)
    return `tenant ${str(s.tenant)} has no ISE configured (SCOPILOT_ISE__URL or SCOPILOT_ISE__TENANTS)`;
  const imp = rec(s.lastImport);
  const push = rec(s.lastPush);
  const drift = rec(s.lastDrift);
  const pairs: [string, string][] = [
    ['tenant', str(s.tenant)],
    ['ISE', str(s.url) || '-'],
    [
      'last import',
      imp.atMs === undefined
        ? 'never'
        : `version ${String(imp.version)} at ${when(imp.atMs)} by ${str(imp.by)}`,
    ],
    [
      'last push',
      push.atMs === undefined
        ? 'never'
        : `${str(push.stage)} of version ${String(push.version)} at ${when(push.atMs)} by ${str(push.by)}: ` +
          `${num(push.applied)} applied, ${num(push.failed)} failed`,
    ],
    [
      'last drift check',
      drift.atMs === undefined ? 'never' : `${num(drift.count)} differences at ${when(drift.atMs)}`,
    ],
  ];
  const monitoring = listOf(s.monitoring);
  const parts = [fields(pairs)];
  if (monitoring.length > 0) {
    parts.push(
      table(
        ['IN MONITOR', 'SINCE', 'ENFORCEABLE AT'],
        monitoring.map((m) => [cellText(m.cell, names), when(m.sinceMs), when(m.enforceableAtMs)]),
      ),
    );
  }
  return parts.join('\n\n');
}

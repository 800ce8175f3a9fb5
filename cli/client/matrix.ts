/**
 * `scopilot matrix show|versions|diff|rollback|readiness|export`: the approved
 * contract matrix (`/api/v1/matrix`), its immutable versions (a diff reads
 * cell by cell, with the observed flows each change decides), and how much of
 * the observed traffic it covers.
 */
import { DeployMode, OutputFormat } from '../../domain/render/mod.ts';
import { group, integer, JSON_FLAG, oneOf, parse, required } from './args.ts';
import { cellDiffText } from './cells-text.ts';
import { sgtNames } from './names.ts';
import {
  aces,
  cell,
  fields,
  flowPair,
  isRecord,
  listOf,
  num,
  out,
  pair,
  percent,
  printJson,
  type SgtNames,
  table,
  when,
} from './output.ts';

const SHOW = 'show [--json]';
const VERSIONS = 'versions [--json]';
const DIFF = 'diff FROM TO [--flows N] [--json]';
/** Flows listed per changed ACE line by default: a terminal's worth; the counts cover them all. */
const DIFF_FLOWS = 5;
const ROLLBACK = 'rollback VERSION --reason TEXT [--json]';
const READINESS = 'readiness [--json]';
const EXPORT = 'export [--format markdown|csv|json|ios|ise] [--mode monitor|enforce] [--version N]';
const FORMATS = Object.values(OutputFormat);
const MODES = Object.values(DeployMode);
const MAX_VERSION = 1_000_000_000;

const rec = (x: unknown): Record<string, unknown> => (isRecord(x) ? x : {});

function cellsTable(cells: Record<string, unknown>[], names: SgtNames): string {
  return table(
    ['NAME', 'SGT → DGT', 'ACES'],
    cells.map((c) => [String(c.name ?? '-'), pair(c.sgt, c.dgt, names), aces(c.aces, 4)]),
  );
}

function versionHeader(v: Record<string, unknown>): string {
  const pairs: [string, string][] = [['version', String(v.version ?? 0)]];
  if (v.parent !== undefined) pairs.push(['parent', v.parent === null ? '-' : String(v.parent)]);
  if (typeof v.author === 'string') pairs.push(['by', `${v.author} (${cell(v.channel)})`]);
  if (v.atMs !== undefined || v.at !== undefined) pairs.push(['at', when(v.atMs ?? v.at)]);
  if (typeof v.reason === 'string' && v.reason !== '') pairs.push(['reason', v.reason]);
  return fields(pairs);
}

export function matrixText(body: unknown, names: SgtNames = new Map()): string {
  const v = rec(body);
  const m = rec(v.matrix);
  const cells = listOf(m.cells);
  return [
    versionHeader(v),
    fields([['default rule', String(m.defaultRule ?? '-')]]),
    cells.length === 0 ? 'no contracts yet: approve proposals to add them' : cellsTable(cells, names),
  ].join('\n\n');
}

export function readinessText(body: unknown, names: SgtNames = new Map()): string {
  const r = rec(body);
  const flows = rec(r.flows);
  const pairs: [string, string][] = [
    ['covered', `${percent(r.ratio)} of hits (${num(r.coveredHits)} of ${num(r.totalHits)})`],
  ];
  if (r.version !== undefined) pairs.push(['matrix version', String(r.version)]);
  if (r.deniedHits !== undefined) pairs.push(['denied hits', num(r.deniedHits)]);
  if (r.uncoveredHits !== undefined) pairs.push(['uncovered hits', num(r.uncoveredHits)]);
  if (flows.total !== undefined)
    pairs.push(['flows', `${num(flows.total)} (${num(flows.covered)} covered, ${num(flows.uncovered)} not)`]);
  if (r.criticalBlockers !== undefined) pairs.push(['critical blockers', num(r.criticalBlockers)]);
  if (r.atMs !== undefined) pairs.push(['measured', when(r.atMs)]);
  const blockers = listOf(r.blockers);
  return [
    fields(pairs),
    blockers.length === 0
      ? 'no blockers'
      : table(
          ['FLOW', 'SGT → DGT', 'HITS', 'SERVICE', 'CRITICAL'],
          blockers.map((b) => [
            String(b.flowId ?? '?'),
            flowPair(b.flowId, names),
            num(b.hits),
            cell(b.service),
            b.critical ? 'yes' : '',
          ]),
          ['left', 'left', 'right'],
        ),
  ].join('\n\n');
}

export const matrixCommand = group('matrix', {
  show: {
    usage: SHOW,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `matrix ${SHOW}`);
      const api = client();
      const body = await api.get<unknown>('/api/v1/matrix');
      await (values.json ? printJson(body) : out(matrixText(body, await sgtNames(api))));
      return 0;
    },
  },
  versions: {
    usage: VERSIONS,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `matrix ${VERSIONS}`);
      const body = await client().get<unknown>('/api/v1/matrix/versions');
      if (values.json) await printJson(body);
      else {
        const rows = listOf(body, 'versions');
        await out(
          rows.length === 0
            ? 'no versions yet'
            : table(
                ['VERSION', 'LIVE', 'PARENT', 'AT', 'BY', 'CHANNEL', 'CELLS', 'REASON'],
                rows.map((v) => [
                  String(v.version ?? '?'),
                  v.live === true || (isRecord(body) && body.live === v.version) ? 'live' : '',
                  v.parent === null || v.parent === undefined ? '-' : String(v.parent),
                  when(v.atMs ?? v.at),
                  cell(v.author ?? v.by, 30),
                  cell(v.channel),
                  v.cells === undefined ? cell(listOf(rec(v.matrix).cells).length) : cell(v.cells),
                  cell(v.reason, 60),
                ]),
                ['right', 'left', 'right'],
              ),
        );
      }
      return 0;
    },
  },
  diff: {
    usage: DIFF,
    async run(args, client) {
      const { values, positionals } = parse(
        args,
        { ...JSON_FLAG, flows: { type: 'string' } },
        ['FROM', 'TO'],
        `matrix ${DIFF}`,
      );
      const from = integer(positionals[0]!, 'FROM', 0, MAX_VERSION);
      const to = integer(positionals[1]!, 'TO', 0, MAX_VERSION);
      const flows = values.flows === undefined ? DIFF_FLOWS : integer(values.flows, '--flows', 0, 1000);
      const api = client();
      // Cell by cell, with the observed flows each changed ACE decides.
      const body = await api.get<unknown>(`/api/v1/matrix/versions/${to}/diff`, {
        against: String(from),
        flows: String(flows),
      });
      await (values.json
        ? printJson(body)
        : out(cellDiffText(body, `version ${from} → ${to}`, await sgtNames(api))));
      return 0;
    },
  },
  rollback: {
    usage: ROLLBACK,
    async run(args, client) {
      const { values, positionals } = parse(
        args,
        { ...JSON_FLAG, reason: { type: 'string' } },
        ['VERSION'],
        `matrix ${ROLLBACK}`,
      );
      const reason = required(values.reason, '--reason', `matrix ${ROLLBACK}`);
      const version = integer(positionals[0]!, 'VERSION', 1, MAX_VERSION);
      const body = await client().json<unknown>('POST', '/api/v1/matrix/rollback', {
        json: { version, reason },
      });
      if (values.json) await printJson(body);
      else {
        const r = rec(body);
        const now =
          typeof r.version === 'number' && r.version !== version ? ` (now version ${r.version})` : '';
        await out(`rolled back to version ${version}${now}`);
      }
      return 0;
    },
  },
  readiness: {
    usage: READINESS,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `matrix ${READINESS}`);
      const api = client();
      const body = await api.get<unknown>('/api/v1/matrix/readiness');
      await (values.json ? printJson(body) : out(readinessText(body, await sgtNames(api))));
      return 0;
    },
  },
  export: {
    usage: EXPORT,
    async run(args, client) {
      const { values } = parse(
        args,
        { format: { type: 'string' }, mode: { type: 'string' }, version: { type: 'string' } },
        [],
        `matrix ${EXPORT}`,
      );
      const format = values.format === undefined ? undefined : oneOf(values.format, FORMATS, '--format');
      const mode = values.mode === undefined ? undefined : oneOf(values.mode, MODES, '--mode');
      const version =
        values.version === undefined
          ? undefined
          : String(integer(values.version, '--version', 0, MAX_VERSION));
      await out(await client().text('/api/v1/matrix/export', { format, mode, version }));
      return 0;
    },
  },
});

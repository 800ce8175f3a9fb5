/**
 * Tools for the live TrustSec matrix: read a version, diff two, readiness for
 * a deny default, explain one flow, simulate default deny, and (when enabled)
 * roll back to an earlier version.
 */
import * as v from 'valibot';
import { type Ace, aceText } from '../../domain/ace.ts';
import type { Contract } from '../../domain/contracts.ts';
import type { ReadinessSnapshot } from '../../kv-schema/records.ts';
import type { CommandReply } from '../../streams/commands.ts';
import type { DenySimulation, FlowExplanation } from '../rest/coverage.ts';
import { RollbackBody } from '../rest/matrix.ts';
import type { VersionCellDiff } from '../rest/matrix-cells.ts';
import { cellDiffText } from './cells.ts';
import { callApiNamed, flowPair, namedPair, type SgtNames } from './names.ts';
import { num, pct, table, tag, text } from './render.ts';
import { apiError, args, callApi, defineTool, Gate, isOk, type Tool } from './tool.ts';

const Version = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000_000));
const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

interface MatrixBody {
  version: number;
  author: string | null;
  reason: string | null;
  at: string | null;
  matrix: { cells: Contract[]; defaultRule: string };
}

const aces = (list: readonly Ace[]): string => list.map((a) => `\`${aceText(a)}\``).join(', ');

export function matrixText(m: MatrixBody): string {
  const cells = m.matrix.cells;
  return [
    `**Matrix version ${m.version}**${m.version === 0 ? ' (nothing approved yet)' : ''}: default \`${m.matrix.defaultRule}\`, ${num(cells.length)} cells` +
      (m.author ? `; by ${text(m.author, 80)} at ${m.at}${m.reason ? `: ${text(m.reason, 200)}` : ''}` : ''),
    '',
    table(
      ['source → destination', 'contract', 'ACEs', 'hits'],
      cells.map((c) => [
        `${tag({ tag: c.sgt, name: c.sourceName })} → ${tag({ tag: c.dgt, name: c.destinationName })}`,
        text(c.name, 64),
        aces(c.aces),
        num(c.hits),
      ]),
      50,
    ),
  ].join('\n');
}

interface DiffBody {
  from: number;
  to: number;
  identical: boolean;
  added: Contract[];
  removed: Contract[];
  changed: {
    sgt: number;
    dgt: number;
    added: Ace[];
    removed: Ace[];
    changed: { before: Ace; after: Ace }[];
    reordered: boolean;
  }[];
  defaultRule: { before: string; after: string } | null;
}

function diffText(d: DiffBody, names: SgtNames): string {
  if (d.identical) return `Versions ${d.from} and ${d.to} have the same policy.`;
  const lines = [`**Version ${d.from} → ${d.to}**`];
  if (d.defaultRule) lines.push(`Default: \`${d.defaultRule.before}\` → \`${d.defaultRule.after}\``);
  const cell = (c: { sgt: number; dgt: number }) => namedPair(c.sgt, c.dgt, names);
  for (const c of d.added) lines.push(`+ cell ${cell(c)} (${text(c.name, 64)}): ${aces(c.aces)}`);
  for (const c of d.removed) lines.push(`- cell ${cell(c)} (${text(c.name, 64)})`);
  for (const c of d.changed) {
    const parts = [
      ...c.added.map((a) => `+ \`${aceText(a)}\``),
      ...c.removed.map((a) => `- \`${aceText(a)}\``),
      ...c.changed.map((x) => `\`${aceText(x.before)}\` → \`${aceText(x.after)}\``),
      ...(c.reordered ? ['ACEs reordered'] : []),
    ];
    lines.push(`~ cell ${cell(c)}: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

export const MATRIX_TOOLS: readonly Tool[] = [
  defineTool({
    name: 'get_matrix',
    title: 'Show the matrix',
    description:
      'The live TrustSec matrix (or one earlier version): every source → destination SGT cell with its ' +
      'contract and ACEs, and the default rule for traffic no ACE matches. Version 0 is the empty matrix ' +
      'before the first approval. Read-only.',
    input: args({
      version: v.optional(
        v.pipe(Version, v.minValue(1), v.description('A version number; omit for the live one')),
      ),
    }),
    annotations: readOnly,
    run: ({ version }, api) =>
      callApi<MatrixBody>(
        api,
        { method: 'GET', path: version === undefined ? '/matrix' : `/matrix/versions/${version}` },
        matrixText,
      ),
  }),
  defineTool({
    name: 'diff_matrix_versions',
    title: 'Diff two matrix versions',
    description:
      'What changed in policy between two matrix versions: cells added or removed, ACEs added, removed, ' +
      'changed or reordered, and the default rule. Omit both for the live version against its parent; 0 is ' +
      'the empty matrix. With flows: true, cell by cell with the observed flows each changed ACE decides ' +
      'and how they fare (uncovered → permitted …). Read-only.',
    input: args({
      from: v.optional(v.pipe(Version, v.description('The older version (default: the parent of `to`)'))),
      to: v.optional(v.pipe(Version, v.description('The newer version (default: live)'))),
      flows: v.optional(
        v.pipe(v.boolean(), v.description('List the observed flows each changed ACE decides')),
        false,
      ),
    }),
    annotations: readOnly,
    run: async ({ flows, ...q }, api) => {
      if (!flows)
        return callApiNamed<DiffBody>(api, { method: 'GET', path: '/matrix/diff', query: q }, diffText);
      let to = q.to;
      if (to === undefined) {
        const live = await api({ method: 'GET', path: '/matrix' });
        if (!isOk(live)) return apiError(live);
        to = (live.body as { version: number }).version;
      }
      return callApiNamed<VersionCellDiff>(
        api,
        { method: 'GET', path: `/matrix/versions/${to}/diff`, query: { against: q.from } },
        (d, names) => `**Version ${d.against} → ${d.version}**, cell by cell\n${cellDiffText(d, names)}`,
      );
    },
  }),
  defineTool({
    name: 'rollback_matrix',
    title: 'Roll the matrix back',
    description:
      'Make an earlier matrix version live again (only the live pointer moves; no version is deleted). ' +
      'Switches enforce it after their next policy download. Needs the admin role and a reason; recorded with ' +
      'your identity and this MCP client. Only offered when the server enables rollback. Check the effect ' +
      'with diff_matrix_versions first.',
    input: args({
      version: v.pipe(RollbackBody.entries.version, v.description('The version to make live')),
      reason: v.pipe(RollbackBody.entries.reason, v.description('Why, for the audit trail')),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    gate: Gate.Rollback,
    run: (body, api) =>
      callApi<CommandReply>(api, { method: 'POST', path: '/matrix/rollback', body }, (r) =>
        r.ok ? `Matrix version ${r.version ?? body.version} is live again.` : r.message,
      ),
  }),
  defineTool({
    name: 'get_readiness',
    title: 'Readiness for default deny',
    description:
      'How much of the observed traffic the live matrix permits explicitly, i.e. would survive a `deny ip` ' +
      'default: the ratio, hits and flows covered, denied and uncovered, and the busiest uncovered flows ' +
      '(critical infrastructure such as DNS, DHCP, RADIUS flagged). Read-only.',
    input: args({}),
    annotations: readOnly,
    run: (_a, api) =>
      callApiNamed<ReadinessSnapshot & { source: string; at: string }>(
        api,
        { method: 'GET', path: '/matrix/readiness' },
        (r, names) =>
          [
            `**Readiness ${pct(r.ratio)}** for matrix version ${r.version} (${r.source} at ${r.at}): ` +
              `${num(r.coveredHits)} of ${num(r.totalHits - r.deniedHits)} wanted hits permitted; ` +
              `${num(r.flows.uncovered)} flows uncovered, ${num(r.criticalBlockers)} of them critical.`,
            table(
              ['flow', 'source → destination', 'hits', 'service', 'critical'],
              r.blockers.map((b) => [
                b.flowId,
                flowPair(b.flowId, names),
                num(b.hits),
                b.service ?? '',
                b.critical ? 'yes' : '',
              ]),
            ),
          ].join('\n\n'),
      ),
  }),
  defineTool({
    name: 'explain_flow',
    title: 'Explain one flow',
    description:
      'How the live matrix treats one observed flow: permitted, denied or uncovered (left to the default), ' +
      'which contract and ACE decided, the default rule, whether it is critical infrastructure, and the ' +
      'evidence (hits, first/last seen, days seen, what the switches did). The flow id is ' +
      '<sgt>-<dgt>-<protocol>-<srcPort>-<dstPort>, e.g. 10-20-tcp-any-443. Read-only.',
    input: args({
      flowId: v.pipe(
        v.string(),
        v.regex(
          /^\d{1,5}-\d{1,5}-[a-z0-9]{1,8}-(\d{1,5}|any)-(\d{1,5}|any)$/,
          'must be <sgt>-<dgt>-<protocol>-<srcPort>-<dstPort>',
        ),
        v.description('e.g. 10-20-tcp-any-443'),
      ),
    }),
    annotations: readOnly,
    run: ({ flowId }, api) =>
      callApi<FlowExplanation>(api, { method: 'GET', path: `/flows/${flowId}/explain` }, (e) =>
        [
          `**${e.flowId}** ${tag(e.source)} → ${tag(e.destination)}: **${e.status}** under matrix version ${e.version} ` +
            `(${e.decidedBy === 'ace' ? `ACE ${e.ace?.position} \`${e.ace?.text}\` of ${text(e.contract ?? '', 64)}` : `no ACE matches; default \`${e.defaultRule}\``}, so ${e.effect}).`,
          e.critical
            ? `Critical infrastructure (${e.service}): uncovered, it breaks under a deny default.`
            : '',
          `Evidence: ${num(e.evidence.hits)} hits in ${num(e.evidence.events)} events, ${e.evidence.firstSeen} → ${e.evidence.lastSeen}, ` +
            `${e.evidence.daysSeen} days; switches permitted ${num(e.evidence.observed.permitHits)} and denied ${num(e.evidence.observed.denyHits)} hits.`,
        ]
          .filter(Boolean)
          .join('\n'),
      ),
  }),
  defineTool({
    name: 'simulate_default_deny',
    title: 'Simulate default deny',
    description:
      'What would break today if the matrix default became `deny ip`: every observed flow no ACE permits, ' +
      'critical infrastructure first, then by hits, with the share of traffic that would survive. Use it ' +
      'before recommending a deny default, and to find which proposals are still missing. Read-only.',
    input: args({ limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 50) }),
    annotations: readOnly,
    run: (q, api) =>
      callApi<DenySimulation>(api, { method: 'GET', path: '/matrix/simulate-deny', query: q }, (s) =>
        [
          `With \`deny ip\` as the default (now \`${s.currentDefault}\`, version ${s.version}): ` +
            `${num(s.flows.uncovered)} flows (${num(s.uncoveredHits)} hits) would be dropped, ` +
            `${num(s.criticalBlockers)} of them critical infrastructure; ${pct(s.ratio)} of wanted traffic survives.`,
          table(
            ['flow', 'source → destination', 'hits', 'service', 'critical'],
            s.breaks.map((b) => [
              b.flowId,
              `${tag(b.source)} → ${tag(b.destination)}`,
              num(b.hits),
              b.service ?? '',
              b.critical ? '**yes**' : '',
            ]),
          ),
        ].join('\n\n'),
      ),
  }),
];

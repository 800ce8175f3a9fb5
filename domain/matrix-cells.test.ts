import { describe, expect, test } from 'bun:test';
import { type Ace, aceText } from './ace.ts';
import type { Contract, ContractAce } from './contracts.ts';
import type { CoverageFlow } from './coverage.ts';
import { parseFlowId } from './flow.ts';
import type { Matrix } from './matrix.ts';
import { cellDiff } from './matrix-cells.ts';
import { foldProposal, INITIAL_MATRIX } from './matrix-version.ts';
import { idempotencyKey, type Proposal, proposalIdFor } from './proposal.ts';

const permit443: Ace = { action: 'permit', protocol: 'tcp', dstPort: 443 };
const deny23: Ace = { action: 'deny', protocol: 'tcp', dstPort: 23, log: true };
const permitIp: Ace = { action: 'permit', protocol: 'ip' };

const contractAce = (a: Ace, hits = 1): ContractAce => ({
  ...a,
  hits,
  events: 1,
  flowIds: [],
  conflict: false,
  decision: { flowId: 'x', category: 'default', source: 'heuristic', risk: 'low', rationale: 'r' },
});

const EMPTY = { flows: 0, hits: 0 };
function cell(sgt: number, dgt: number, aces: Ace[], name = `C_${sgt}_${dgt}`): Contract {
  return {
    name,
    sgt,
    dgt,
    sourceName: `S${sgt}`,
    destinationName: `D${dgt}`,
    aces: aces.map((a) => contractAce(a)),
    hits: 0,
    events: 0,
    classification: {
      business_relevant: EMPTY,
      default: EMPTY,
      business_irrelevant: EMPTY,
      harmful: EMPTY,
      unclassified: EMPTY,
    },
  };
}

const matrix = (...cells: Contract[]): Matrix => ({ cells, defaultRule: 'permit ip' });

function flow(id: string, hits: number): CoverageFlow {
  const key = parseFlowId(id);
  if (key === null) throw new Error(id);
  return { ...key, id, hits };
}

const FLOWS = [
  flow('10-20-tcp-any-443', 100),
  flow('10-20-tcp-any-23', 5),
  flow('10-20-udp-any-53', 7),
  // An unchanged cell's flow is never listed.
  flow('10-30-tcp-any-443', 1000),
];

describe('cellDiff', () => {
  test('an added cell: each line with the flows it decides, before and after', () => {
    const before = matrix(cell(10, 30, [permit443]));
    const after = matrix(cell(10, 20, [deny23, permit443]), cell(10, 30, [permit443]));
    const d = cellDiff(before, after, FLOWS);
    expect(d.identical).toBe(false);
    expect(d.sources).toEqual([10]);
    expect(d.destinations).toEqual([20]);
    expect(d.cells).toHaveLength(1);
    const c = d.cells[0]!;
    expect(c).toMatchObject({ sgt: 10, dgt: 20, kind: 'added', nameBefore: null, nameAfter: 'C_10_20' });
    expect(c.aces.map((a) => [a.kind, aceText(a.after!), a.hits, a.flowCount])).toEqual([
      ['added', 'deny tcp dst eq 23 log', 5, 1],
      ['added', 'permit tcp dst eq 443', 100, 1],
    ]);
    // The stored ACE's evidence fields are not part of the line.
    expect(c.aces[0]!.after).toEqual(deny23);
    expect(c.aces[1]!.flows).toEqual([
      { flowId: '10-20-tcp-any-443', hits: 100, before: 'uncovered', after: 'permitted', service: null },
    ]);
    expect(c.aces[0]!.flows[0]).toMatchObject({ before: 'uncovered', after: 'denied' });
    // udp/53 is decided by no line: its status does not change (uncovered on both sides).
    expect(c.effect).toEqual({ flows: 2, hits: 105, nowPermitted: 100, nowDenied: 5, nowUncovered: 0 });
    expect(d.totals).toEqual({
      added: 1,
      changed: 0,
      removed: 0,
      flows: 2,
      hits: 105,
      nowPermitted: 100,
      nowDenied: 5,
      nowUncovered: 0,
    });
  });

  test('a removed cell: its lines list the flows they decided, which are now uncovered', () => {
    const d = cellDiff(matrix(cell(10, 20, [permit443])), INITIAL_MATRIX, FLOWS);
    const c = d.cells[0]!;
    expect(c).toMatchObject({ kind: 'removed', nameBefore: 'C_10_20', nameAfter: null });
    expect(c.aces).toHaveLength(1);
    expect(c.aces[0]).toMatchObject({ kind: 'removed', before: permit443, after: null, hits: 100 });
    expect(c.aces[0]!.flows[0]).toMatchObject({ before: 'permitted', after: 'uncovered' });
    expect(c.effect).toEqual({ flows: 1, hits: 100, nowPermitted: 0, nowDenied: 0, nowUncovered: 100 });
    // The empty matrix has the same permissive default: no default change.
    expect(d.defaultRule).toBeNull();
  });

  test('a changed cell: a deny put before permit ip takes its flows, an action flip is one changed line', () => {
    const before = matrix(cell(10, 20, [permit443, permitIp]));
    const flipped: Ace = { action: 'deny', protocol: 'tcp', dstPort: 443 };
    const after = matrix(cell(10, 20, [deny23, flipped, permitIp]));
    const c = cellDiff(before, after, FLOWS).cells[0]!;
    expect(c.kind).toBe('changed');
    expect(c.aces.map((a) => a.kind)).toEqual(['added', 'changed']);
    const [added, changed] = c.aces;
    expect(added!.flows.map((f) => [f.flowId, f.before, f.after])).toEqual([
      ['10-20-tcp-any-23', 'permitted', 'denied'],
    ]);
    expect(changed!.before).toEqual(permit443);
    expect(changed!.after).toEqual(flipped);
    expect(changed!.flows.map((f) => [f.flowId, f.before, f.after])).toEqual([
      ['10-20-tcp-any-443', 'permitted', 'denied'],
    ]);
    // udp/53 stays with permit ip, an unchanged line: permitted on both sides.
    expect(c.effect).toEqual({ flows: 2, hits: 105, nowPermitted: 0, nowDenied: 105, nowUncovered: 0 });
  });

  test('only a new order: no line changes, the reorder and its effect are shown', () => {
    const denyIp: Ace = { action: 'deny', protocol: 'ip' };
    const c = cellDiff(
      matrix(cell(10, 20, [permit443, denyIp])),
      matrix(cell(10, 20, [denyIp, permit443])),
      FLOWS,
    ).cells[0]!;
    expect(c).toMatchObject({ kind: 'changed', reordered: true, aces: [] });
    expect(c.effect).toEqual({ flows: 1, hits: 100, nowPermitted: 0, nowDenied: 100, nowUncovered: 0 });
  });

  test('flows listed per line are cut to maxFlows, busiest first; counts and hits cover them all', () => {
    const many = Array.from({ length: 30 }, (_, i) => flow(`10-20-tcp-any-${1000 + i}`, i + 1));
    const d = cellDiff(INITIAL_MATRIX, matrix(cell(10, 20, [{ action: 'permit', protocol: 'tcp' }])), many, {
      maxFlows: 3,
    });
    const line = d.cells[0]!.aces[0]!;
    expect(line.flowCount).toBe(30);
    expect(line.hits).toBe((30 * 31) / 2);
    expect(line.flows.map((f) => f.hits)).toEqual([30, 29, 28]);
  });

  test('no change, evidence-only change, and a default-rule change', () => {
    const m = matrix(cell(10, 20, [permit443]));
    expect(cellDiff(m, m, FLOWS)).toMatchObject({
      identical: true,
      cells: [],
      sources: [],
      destinations: [],
    });
    const busier = matrix({ ...cell(10, 20, [permit443]), hits: 999 });
    expect(cellDiff(m, busier, FLOWS).identical).toBe(true);
    const deny = { ...m, defaultRule: 'deny ip' as const };
    expect(cellDiff(m, deny, FLOWS)).toMatchObject({
      identical: false,
      cells: [],
      defaultRule: { before: 'permit ip', after: 'deny ip' },
    });
  });

  test('a proposal folded as approval folds it: its ACEs are the added lines of its cell', () => {
    const aces = [contractAce(permit443, 100)];
    const key = idempotencyKey('acme', 'scan-1', 10, 20, aces);
    const p: Proposal = {
      id: proposalIdFor(key),
      tenant: 'acme',
      idempotencyKey: key,
      sgt: 10,
      dgt: 20,
      aces,
      evidence: [],
      triggers: [{ trigger: 'scan', ref: 'scan-1' }],
      status: 'pending',
      rare: false,
      createdBy: 'proposer',
      createdAtMs: 0,
      updatedAtMs: 0,
      expiresAtMs: 1000,
      history: [],
    };
    const current = matrix(cell(10, 20, [deny23]));
    const d = cellDiff(current, foldProposal(current, p, new Map()), FLOWS);
    expect(d.cells.map((c) => [c.kind, c.aces.map((a) => `${a.kind} ${aceText(a.after!)}`)])).toEqual([
      ['changed', ['added permit tcp dst eq 443']],
    ]);
    expect(d.cells[0]!.aces[0]!.hits).toBe(100);
  });
});

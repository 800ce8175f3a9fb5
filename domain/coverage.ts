/**
 * Coverage and readiness (DESIGN §6): how much of the observed traffic a
 * matrix already handles explicitly, and which flows would break if its
 * default became `deny ip`. The matrix's current default is deliberately
 * ignored: readiness is always measured against the deny default it aims for.
 */
import { aceText, decideFlow, FlowVerdict } from './ace.ts';
import { infrastructureService as infrastructureServiceOf } from './classify/knowledge.ts';
import type { FlowKey } from './flow.ts';
import type { Matrix } from './matrix.ts';

/**
 * The infrastructure service a flow carries (DNS, RADIUS, …), or null: a
 * blocker carrying one is critical, because dropping it breaks the network or
 * TrustSec itself. The same function keeps classification from denying these
 * flows (classify/knowledge.ts), so readiness and proposals never disagree.
 */
export function infrastructureService(flow: FlowKey): string | null {
  return infrastructureServiceOf(flow)?.name ?? null;
}

export const CoverageStatus = {
  /** The first matching ACE of its cell permits it. */
  Permitted: 'permitted',
  /** The first matching ACE denies it: dropped on purpose, not a blocker. */
  Denied: 'denied',
  /** No ACE matches: only the default decides, so a deny default drops it. */
  Uncovered: 'uncovered',
} as const;
export type CoverageStatus = (typeof CoverageStatus)[keyof typeof CoverageStatus];

export interface FlowCoverage {
  flowId: string;
  sgt: number;
  dgt: number;
  hits: number;
  status: CoverageStatus;
  covered: boolean;
  /** The contract and ACE line that decided, when one did (uncovered: a deny that may drop it first). */
  contract: string | null;
  ace: string | null;
  /** Infrastructure service name when the flow is one (DNS, RADIUS …). */
  service: string | null;
  critical: boolean;
}

export interface CoverageFlow extends FlowKey {
  id: string;
  hits: number;
}

/**
 * Per flow, in input order. Cells are read as a switch reads an SGACL: the
 * first matching ACE decides. Contracts built here put denies first, so an
 * explicit deny beats a permit; a permit ACE (`permit ip` included) that is
 * reached first makes the flow covered. Only what can be proven counts
 * (ace.ts `decideFlow`): a deny the product cannot read through (a verbatim
 * line, a port clause the flow's buckets cannot settle) that comes before the
 * permit leaves the flow uncovered, with that deny as its ACE.
 */
export function coverage(matrix: Matrix, flows: readonly CoverageFlow[]): FlowCoverage[] {
  const cells = new Map<string, Matrix['cells'][number]>();
  for (const c of matrix.cells) if (!cells.has(`${c.sgt}>${c.dgt}`)) cells.set(`${c.sgt}>${c.dgt}`, c);
  return flows.map((flow) => {
    const cell = cells.get(`${flow.sgt}>${flow.dgt}`);
    const decided = cell === undefined ? undefined : decideFlow(cell.aces, flow);
    const ace = decided === undefined ? undefined : cell?.aces[decided.index];
    const status =
      decided?.verdict === FlowVerdict.Permit
        ? CoverageStatus.Permitted
        : decided?.verdict === FlowVerdict.Deny
          ? CoverageStatus.Denied
          : CoverageStatus.Uncovered;
    const service = infrastructureService(flow);
    return {
      flowId: flow.id,
      sgt: flow.sgt,
      dgt: flow.dgt,
      hits: flow.hits,
      status,
      covered: status === CoverageStatus.Permitted,
      contract: ace === undefined ? null : (cell?.name ?? null),
      ace: ace === undefined ? null : aceText(ace),
      service,
      critical: status === CoverageStatus.Uncovered && service !== null,
    };
  });
}

export interface Readiness {
  /**
   * coveredHits / (totalHits − deniedHits): the share of the traffic that is
   * meant to flow and would survive a `deny ip` default. Traffic the matrix
   * denies explicitly is dropped either way, so it neither helps nor blocks.
   * 1 when there is nothing left to permit (including no traffic at all).
   */
  ratio: number;
  totalHits: number;
  coveredHits: number;
  deniedHits: number;
  uncoveredHits: number;
  flows: { total: number; covered: number; denied: number; uncovered: number };
  /** Uncovered flows, busiest first. */
  blockers: FlowCoverage[];
  criticalBlockers: number;
}

export function readiness(matrix: Matrix, flows: readonly CoverageFlow[]): Readiness {
  const all = coverage(matrix, flows);
  const r: Readiness = {
    ratio: 1,
    totalHits: 0,
    coveredHits: 0,
    deniedHits: 0,
    uncoveredHits: 0,
    flows: { total: all.length, covered: 0, denied: 0, uncovered: 0 },
    blockers: [],
    criticalBlockers: 0,
  };
  for (const c of all) {
    r.totalHits += c.hits;
    if (c.status === CoverageStatus.Permitted) {
      r.coveredHits += c.hits;
      r.flows.covered++;
    } else if (c.status === CoverageStatus.Denied) {
      r.deniedHits += c.hits;
      r.flows.denied++;
    } else {
      r.uncoveredHits += c.hits;
      r.flows.uncovered++;
      r.blockers.push(c);
      if (c.critical) r.criticalBlockers++;
    }
  }
  const wanted = r.totalHits - r.deniedHits;
  r.ratio = wanted === 0 ? 1 : r.coveredHits / wanted;
  r.blockers.sort((a, b) => b.hits - a.hits || (a.flowId < b.flowId ? -1 : a.flowId > b.flowId ? 1 : 0));
  return r;
}

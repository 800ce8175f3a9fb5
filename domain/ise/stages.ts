/**
 * The two later stages of a push, each a separate decision:
 * - enforce: the cells the product pushed in MONITOR, unchanged since, that
 *   have spent the soak time there, become ENABLED;
 * - deny-default: the ANY-ANY default becomes DENY_IP. The plan carries the
 *   readiness it is measured against and the IOS-XE static fallback policy
 *   (enforce mode) to load on switches first, since a reloading switch with a
 *   deny default may download only part of its policy.
 */
import type { IsePlan } from '../../integrations/ise/sync/types.ts';
import type { AnalysisStats } from '../analysis.ts';
import { readiness } from '../coverage.ts';
import { renderIos } from '../render/ios.ts';
import { aclText } from './acl.ts';
import { denyImpact, flowsByPair } from './impact.ts';
import { cellRef, conflictReason, type PlanAcc, type PlanInput } from './plan-input.ts';
import { DEFAULT_PAIR, pairKey } from './types.ts';

const hours = (ms: number): string => `${Math.round((ms / 3_600_000) * 10) / 10} h`;

export function planEnforce(input: PlanInput, acc: PlanAcc): void {
  const { view, state, settings, nowMs, version } = input;
  const flows = flowsByPair(input.flows);
  let soaking = 0;
  let nextAt = Number.POSITIVE_INFINITY;
  for (const w of [...input.matrix.cells].sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt)) {
    const pair = pairKey(w.sgt, w.dgt);
    const rec = state.cells.get(pair);
    const ise = view.cells.get(pair);
    if (rec?.createdByUs !== true || ise === undefined || ise.cell.matrixCellStatus !== 'MONITOR') continue;
    const ref = cellRef(w.sgt, w.dgt, input.names);
    const why = conflictReason(rec, ise);
    if (why !== null) {
      acc.conflicts.push({ cell: ref, reason: `${why}; not enforced` });
      continue;
    }
    if (ise.text !== aclText(w.aces)) {
      acc.warnings.push({
        code: 'OTHER',
        message: `${w.name} in ISE differs from version ${version}: push the monitor stage first`,
      });
      continue;
    }
    const since = rec.monitorSinceMs ?? nowMs;
    if (nowMs < since + settings.monitorSoakMs) {
      soaking++;
      nextAt = Math.min(nextAt, since + settings.monitorSoakMs);
      continue;
    }
    const impact = denyImpact([], ise.aces, flows.get(pair) ?? []);
    acc.operations.push({
      id: `set-cell-status:${pair}`,
      kind: 'set-cell-status',
      cell: ref,
      status: 'ENABLED',
      expect: {
        id: ise.cell.id,
        ...(ise.cell.generationId === undefined ? {} : { generationId: ise.cell.generationId }),
        fingerprint: ise.objectFingerprint,
      },
      reason: `in MONITOR since ${new Date(since).toISOString()}, past the ${hours(settings.monitorSoakMs)} soak`,
      ...(impact === null ? {} : { impact }),
    });
  }
  if (soaking > 0) {
    acc.warnings.push({
      code: 'OTHER',
      message: `${soaking} cell(s) are still in their soak time; the first may be enforced at ${new Date(nextAt).toISOString()}`,
    });
  }
}

const EMPTY_STATS: AnalysisStats = {
  linesRead: 0,
  events: 0,
  hits: 0,
  notSgaclHit: 0,
  outsideWindow: 0,
  rejected: {},
  rejectedTotal: 0,
  tagsSeen: [],
};

export function planDenyDefault(input: PlanInput, acc: PlanAcc): Pick<IsePlan, 'fallback' | 'readiness'> {
  const r = readiness(input.matrix, input.flows);
  const required = input.settings.denyDefaultMinReadiness;
  const d = input.view.defaultCell;
  if (d === null) {
    acc.warnings.push({ code: 'OTHER', message: 'ISE showed no ANY-ANY cell: nothing to set' });
  } else if (d.cell.defaultRule !== 'DENY_IP') {
    const rec = input.state.cells.get(DEFAULT_PAIR);
    const why = rec === undefined ? null : conflictReason(rec, d);
    if (why !== null) {
      acc.conflicts.push({ cell: cellRef(d.sgt, d.dgt, input.names), reason: why });
    } else {
      acc.operations.push({
        id: 'set-default:ANY-ANY',
        kind: 'set-default',
        defaultRule: 'DENY_IP',
        status: d.cell.matrixCellStatus,
        expect: {
          id: d.cell.id,
          ...(d.cell.generationId === undefined ? {} : { generationId: d.cell.generationId }),
          fingerprint: d.objectFingerprint,
        },
        reason: `readiness ${(r.ratio * 100).toFixed(1)}% (required ${(required * 100).toFixed(1)}%): traffic no contract permits is dropped`,
        impact: { flows: r.flows.uncovered, hits: r.uncoveredHits },
      });
    }
  }
  if (r.ratio < required) {
    acc.warnings.push({
      code: 'OTHER',
      message:
        `readiness ${(r.ratio * 100).toFixed(1)}% is below the required ${(required * 100).toFixed(1)}%: ` +
        `${r.flows.uncovered} flow(s), ${r.uncoveredHits} hit(s), ${r.criticalBlockers} critical, would be dropped; ` +
        'a push is refused unless forced',
    });
  }
  const fallback = renderIos(
    {
      flows: [],
      classifications: [],
      contracts: input.matrix.cells,
      stats: EMPTY_STATS,
      sgtNames: input.names,
      title: `Segmentation Copilot: static fallback for version ${input.version}`,
    },
    { mode: 'enforce' },
  );
  return { fallback, readiness: { ratio: r.ratio, required } };
}

/**
 * What a push leaves behind besides ISE's new state: the summary `status`
 * shows, the AUDIT record (who, version, stage, and every operation's
 * result, in parts so no message outgrows the stream's limit), and the
 * ISE outcome on each approved proposal the version carries (proposals.ts).
 * A deny-default refused for readiness is audited too.
 */

import type { Contract } from '../../../domain/contracts.ts';
import { aclText } from '../../../domain/ise/acl.ts';
import { pairKey } from '../../../domain/ise/types.ts';
import { RECENT_PUSHES } from '../../../kv-schema/mod.ts';
import { audit, type SyncContext } from './context.ts';
import { type CellOutcome, markProposals } from './proposals.ts';
import type { PushRun } from './push-run.ts';
import type { IseOperation, IseOpResult, IsePlan, IsePushReport, IsePushRequest } from './types.ts';

const RESULTS_PER_RECORD = 200;

const pairOf = (op: IseOperation): string | null =>
  op.cell === undefined ? null : pairKey(op.cell.sgt, op.cell.dgt);

/** Each cell of the version: in ISE as monitor or enforced, or failed with the reason. */
function outcomes(
  report: IsePushReport,
  run: PushRun,
  want: ReadonlyMap<string, Contract>,
): Map<string, CellOutcome> {
  const out = new Map<string, CellOutcome>();
  const failed = new Map<string, string>();
  for (const f of report.failed) {
    const pair = pairOf(f.operation);
    if (pair !== null && !failed.has(pair)) failed.set(pair, f.error ?? 'failed');
  }
  for (const c of report.conflicts) {
    const pair = pairKey(c.cell.sgt, c.cell.dgt);
    if (!failed.has(pair)) failed.set(pair, `conflict: ${c.reason}`);
  }
  const touched = new Set<string>();
  for (const r of [...report.applied, ...report.skipped]) {
    const pair = pairOf(r.operation);
    if (pair !== null) touched.add(pair);
  }
  for (const [pair, contract] of want) {
    const reason = failed.get(pair);
    if (reason !== undefined) {
      out.set(pair, { state: 'failed', reason });
      continue;
    }
    if (!touched.has(pair) && run.view.cells.get(pair)?.text !== aclText(contract.aces)) continue;
    const status = run.statusOf(pair);
    if (status === 'MONITOR') out.set(pair, { state: 'monitor' });
    else if (status === 'ENABLED') out.set(pair, { state: 'enforced' });
  }
  return out;
}

const line = (label: string) => (r: IseOpResult) => ({
  id: r.operation.id,
  kind: r.operation.kind,
  result: label,
  ...(r.iseId === undefined ? {} : { iseId: r.iseId }),
  ...(r.error === undefined ? {} : { error: r.error.slice(0, 500) }),
  ...(r.note === undefined ? {} : { note: r.note.slice(0, 500) }),
  ...(r.operation.impact === undefined ? {} : { impact: r.operation.impact }),
});

async function done(
  ctx: SyncContext,
  tenant: string,
  request: IsePushRequest,
  report: IsePushReport,
  basis: { run: PushRun; want: ReadonlyMap<string, Contract>; plan: IsePlan },
): Promise<void> {
  const atMs = ctx.now();
  const applied = report.applied.length;
  const failed = report.failed.length;
  const mark = { atMs, version: report.version, stage: report.stage, applied, failed };
  await ctx.state.updateSummary(tenant, (found) => ({
    lastPush: {
      ...mark,
      by: request.by.slice(0, 200),
      skipped: report.skipped.length,
      conflicts: report.conflicts.length,
      writes: report.writes ?? 0,
    },
    recentPushes: [...(found.recentPushes ?? []), mark].slice(-RECENT_PUSHES),
  }));
  const proposals =
    request.stage === 'deny-default'
      ? []
      : await markProposals(
          ctx,
          tenant,
          report.version,
          request.stage,
          outcomes(report, basis.run, basis.want),
          request.by,
          request.channel,
        );
  const results = [
    ...report.applied.map(line('applied')),
    ...report.skipped.map(line('skipped')),
    ...report.failed.map(line('failed')),
  ];
  const parts = Math.ceil(results.length / RESULTS_PER_RECORD);
  const object = `v${report.version}`;
  await audit(ctx, tenant, {
    action: 'ise.push',
    object,
    channel: request.channel,
    by: request.by,
    detail: {
      stage: report.stage,
      force: request.force === true,
      ...(basis.plan.readiness === undefined ? {} : { readiness: basis.plan.readiness }),
      applied: report.applied.length,
      skipped: report.skipped.length,
      failed: report.failed.length,
      writes: report.writes ?? 0,
      conflicts: report.conflicts
        .slice(0, 100)
        .map((c) => ({ sgt: c.cell.sgt, dgt: c.cell.dgt, reason: c.reason })),
      proposals,
      parts,
    },
  });
  for (let part = 0; part < parts; part++) {
    await audit(ctx, tenant, {
      action: 'ise.push.operations',
      object,
      channel: request.channel,
      by: request.by,
      detail: {
        stage: report.stage,
        part: part + 1,
        parts,
        results: results.slice(part * RESULTS_PER_RECORD, (part + 1) * RESULTS_PER_RECORD),
      },
    });
  }
}

async function refused(
  ctx: SyncContext,
  tenant: string,
  request: IsePushRequest,
  version: number,
  readiness: { ratio: number; required: number },
): Promise<void> {
  await audit(ctx, tenant, {
    action: 'ise.push.refused',
    object: `v${version}`,
    channel: request.channel,
    by: request.by,
    detail: { stage: request.stage, code: 'NOT_READY', readiness },
  });
}

export const recordPush = { done, refused };

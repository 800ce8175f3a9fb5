/**
 * Drift checks: ISE compared with the approved version, published on
 * `scopilot.<t>.ise.drift` (every check, an empty one too, so a watcher
 * knows when ISE was last compared) and summarised in the sync state for
 * `status`. The scheduler role calls `checkDrift` for each tenant on its
 * timer; metrics and notices hang off the report it answers.
 */
import { driftOf } from '../../../domain/ise/drift.ts';
import { type IseView, indexSnapshot } from '../../../domain/ise/view.ts';
import { checked, encodeMessage, IseDriftReport } from '../../../streams/mod.ts';
import type { IseErsApi } from '../types.ts';
import type { SyncContext } from './context.ts';
import { approvedVersion, tagNames } from './inputs.ts';
import type { IseDrift } from './types.ts';

const MAX_PUBLISHED = 100;

/** The tenant's names, with ISE's for tags the dictionary lacks. */
export async function namesWithIse(
  ctx: SyncContext,
  tenant: string,
  view: IseView,
): Promise<Map<number, string>> {
  const names = await tagNames(ctx.stores, tenant);
  for (const [value, sgt] of view.sgtByValue) if (!names.has(value)) names.set(value, sgt.name);
  return names;
}

export async function runDrift(ctx: SyncContext, client: IseErsApi, tenant: string): Promise<IseDrift[]> {
  const approved = await approvedVersion(ctx.stores, tenant);
  const [snapshot, state] = await Promise.all([client.snapshot(), ctx.state.load(tenant)]);
  const view = indexSnapshot(snapshot);
  const names = await namesWithIse(ctx, tenant, view);
  const drifts = driftOf({ view, version: approved.version, matrix: approved.matrix, state, names });
  const atMs = ctx.now();
  const data = checked(IseDriftReport, {
    version: approved.version,
    count: drifts.length,
    drifts: drifts.slice(0, MAX_PUBLISHED).map((d) => ({
      kind: d.kind,
      ...(d.cell === undefined
        ? {}
        : {
            sgt: d.cell.sgt,
            dgt: d.cell.dgt,
            srcName: d.cell.srcName.slice(0, 128),
            dstName: d.cell.dstName.slice(0, 128),
          }),
      ...(d.expected === undefined ? {} : { expected: d.expected.slice(0, 2000) }),
      ...(d.actual === undefined ? {} : { actual: d.actual.slice(0, 2000) }),
      detail: d.detail.slice(0, 500),
    })),
    truncated: drifts.length > MAX_PUBLISHED,
    readAt: snapshot.readAt,
  });
  const id = `ise-drift:${tenant}:${atMs}:${Math.random().toString(36).slice(2, 8)}`;
  await ctx.log.publish(
    ctx.subjects.iseDrift(tenant),
    encodeMessage({ id, tenant, at: new Date(atMs).toISOString(), by: 'ise-sync', data }),
    { msgId: id },
  );
  await ctx.state.updateSummary(tenant, {
    lastDrift: { atMs, count: drifts.length, version: approved.version },
  });
  return drifts;
}

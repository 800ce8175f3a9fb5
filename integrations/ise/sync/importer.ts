/**
 * Import (admin): read ISE, put its SGT names into the tag dictionary
 * (updatedBy `ise`), turn its cells into the next approved version through
 * the matrix keeper (nothing new when ISE's policy equals the live version's),
 * and remember every cell and SGACL as ISE holds them now, so later plans can
 * tell the product's own changes from changes made in ISE.
 */
import { importMatrix } from '../../../actors/matrix-keeper/import.ts';
import { classFromDescription } from '../../../domain/classify/classes.ts';
import { matrixFromIse, samePolicy } from '../../../domain/ise/import.ts';
import { isOwnSgaclName } from '../../../domain/ise/names.ts';
import { createdByProduct } from '../../../domain/ise/plan-input.ts';
import { type CellView, type IseView, indexSnapshot, sgaclFingerprint } from '../../../domain/ise/view.ts';
import type { Matrix } from '../../../domain/matrix.ts';
import { currentMatrix, type IseCellRecord, keys } from '../../../kv-schema/mod.ts';
import type { IseErsApi } from '../types.ts';
import { audit, type SyncContext } from './context.ts';
import type { LoadedState } from './state.ts';
import type { IseImportReport } from './types.ts';

const sameRecord = (a: IseCellRecord, b: IseCellRecord): boolean =>
  a.iseId === b.iseId &&
  a.generationId === b.generationId &&
  a.fingerprint === b.fingerprint &&
  a.createdByUs === b.createdByUs &&
  a.monitorSinceMs === b.monitorSinceMs &&
  a.version === b.version &&
  a.pending === undefined &&
  b.pending === undefined;

/** The record of a cell as ISE shows it, keeping what the product knew of the same cell. */
export function cellRecordOf(
  v: CellView,
  known: IseCellRecord | undefined,
  version: number,
  atMs: number,
  by: string,
): IseCellRecord {
  const same = known?.iseId === v.cell.id;
  const ours = createdByProduct(known, v);
  const rec: IseCellRecord = {
    sgt: v.sgt,
    dgt: v.dgt,
    iseId: v.cell.id,
    fingerprint: v.policyFingerprint,
    status: v.cell.matrixCellStatus,
    defaultRule: v.cell.defaultRule,
    sgacls: [...v.cell.sgacls],
    createdByUs: ours,
    version,
    atMs,
    by,
  };
  if (v.cell.generationId !== undefined) rec.generationId = v.cell.generationId;
  if (ours && v.cell.matrixCellStatus === 'MONITOR') {
    rec.monitorSinceMs = (same ? known?.monitorSinceMs : undefined) ?? atMs;
  }
  return rec;
}

/** Bring the sync state in line with ISE as read: every cell and SGACL as ISE holds them. */
export async function recordSnapshot(
  ctx: SyncContext,
  tenant: string,
  view: IseView,
  state: LoadedState,
  version: number,
  by: string,
): Promise<void> {
  const atMs = ctx.now();
  const cells = [...view.cells.values(), ...(view.defaultCell === null ? [] : [view.defaultCell])];
  const seen = new Set<string>();
  await Promise.all(
    cells.map(async (v) => {
      seen.add(v.pair);
      const known = state.cells.get(v.pair);
      const rec = cellRecordOf(v, known, version, atMs, by);
      if (known === undefined || !sameRecord(known, rec)) await ctx.state.putCell(tenant, rec);
    }),
  );
  await Promise.all(
    [...state.cells.values()]
      .filter((r) => !seen.has(`${r.sgt}-${r.dgt}`))
      .map((r) => ctx.state.dropCell(tenant, r.sgt, r.dgt)),
  );
  await Promise.all(
    [...view.sgaclById.values()].map(async (s) => {
      const known = state.sgacls.get(s.id);
      const fp = sgaclFingerprint(s);
      if (known !== undefined && known.fingerprint === fp && known.name === s.name) return;
      await ctx.state.putSgacl(tenant, {
        iseId: s.id,
        name: s.name,
        fingerprint: fp,
        ...(s.generationId === undefined ? {} : { generationId: s.generationId }),
        createdByUs: known?.createdByUs ?? (!s.readOnly && isOwnSgaclName(s.name, s.aclcontent)),
        readOnly: s.readOnly,
        atMs,
      });
    }),
  );
  await Promise.all(
    [...state.sgacls.keys()]
      .filter((id) => !view.sgaclById.has(id))
      .map((id) => ctx.state.dropSgacl(tenant, id)),
  );
}

export async function runImport(
  ctx: SyncContext,
  client: IseErsApi,
  tenant: string,
  by: string,
  channel: string,
): Promise<IseImportReport> {
  const snapshot = await client.snapshot();
  const view = indexSnapshot(snapshot);
  const current = await currentMatrix(ctx.stores, tenant);
  const imported = matrixFromIse(view, (current.version?.matrix as Matrix | undefined) ?? null);
  const updatedAt = new Date(ctx.now()).toISOString();
  let sgts = 0;
  for (const [value, name] of imported.names) {
    sgts++;
    const key = keys.sgt(tenant, value);
    const found = await ctx.stores.sgt.get(key);
    const short = name.slice(0, 128);
    // `class=ot.plc` in the SGT's description sets its class; without one, a class set here is kept.
    const cls = classFromDescription(view.sgtByValue.get(value)?.description) ?? found?.value.class;
    if (found?.value.name !== short || found?.value.class !== cls)
      await ctx.stores.sgt.put(key, {
        name: short,
        updatedBy: 'ise',
        updatedAt,
        ...(cls ? { class: cls } : {}),
      });
  }
  const result = await importMatrix(
    { stores: ctx.stores, log: ctx.log, subjects: ctx.subjects, now: ctx.now },
    tenant,
    {
      matrix: imported.matrix,
      by,
      channel,
      reason: `imported from ISE (read ${snapshot.readAt}): ${imported.cells} cells`,
      source: 'ise',
      same: samePolicy,
    },
  );
  await recordSnapshot(ctx, tenant, view, await ctx.state.load(tenant), result.version, by);
  const atMs = ctx.now();
  await ctx.state.updateSummary(tenant, {
    lastImport: { atMs, version: result.version, by, created: result.created },
  });
  const report: IseImportReport = {
    tenant,
    version: result.version,
    sgts,
    cells: imported.cells,
    sgacls: imported.sgacls,
    verbatim: imported.verbatim,
    created: result.created,
  };
  await audit(ctx, tenant, {
    action: 'ise.import',
    object: `v${result.version}`,
    channel,
    by,
    detail: { ...report, readAt: snapshot.readAt, notes: imported.notes },
  });
  return report;
}

/**
 * The keeper's import path: a matrix read from outside (Cisco ISE) becomes
 * the next approved version through the same single-writer steps as an
 * approval — the version is written once under its own key (`create`), then
 * the pointer moves with CAS, then `matrix.changed` and an audit record go
 * out — so the aggregator's coverage and the scheduler work against the real
 * matrix. A matrix whose policy equals the live version's writes nothing.
 */
import type { Matrix } from '../../domain/matrix.ts';
import { KvConflictError } from '../../engine/errors.ts';
import type { EventLog } from '../../engine/types.ts';
import {
  currentMatrix,
  keys,
  type MatrixPointer,
  type MatrixVersionRecord,
  matrixVersions,
  nextGeneration,
  type Stores,
} from '../../kv-schema/mod.ts';
import { AuditRecord, checked, encodeMessage, MatrixChanged, type Subjects } from '../../streams/mod.ts';

export interface ImportDeps {
  stores: Stores;
  log: EventLog;
  subjects: Subjects;
  now: () => number;
}

export interface ImportMatrixCommand {
  matrix: Matrix;
  by: string;
  channel: string;
  reason: string;
  source: 'ise';
  /** Same policy as the live version's: then no version is written. */
  same: (live: Matrix, imported: Matrix) => boolean;
}

export interface ImportMatrixResult {
  /** The version now live: the new one, or the current one when nothing changed. */
  version: number;
  created: boolean;
  previous: number | null;
}

const MAX_RACES = 50;

export async function importMatrix(
  deps: ImportDeps,
  tenant: string,
  cmd: ImportMatrixCommand,
): Promise<ImportMatrixResult> {
  let latestFloor = 0;
  for (let race = 0; ; race++) {
    const { pointer, version } = await currentMatrix(deps.stores, tenant);
    if (version !== null && cmd.same(version.matrix as Matrix, cmd.matrix)) {
      return { version: version.version, created: false, previous: version.version };
    }
    const atMs = deps.now();
    const candidate: MatrixVersionRecord = {
      version: Math.max(pointer?.value.latest ?? 0, latestFloor) + 1,
      parent: version?.version ?? null,
      author: cmd.by,
      channel: cmd.channel,
      reason: cmd.reason,
      atMs,
      proposals: [],
      source: cmd.source,
      matrix: cmd.matrix as MatrixVersionRecord['matrix'],
    };
    try {
      await deps.stores.matrix.create(keys.matrixVersion(tenant, candidate.version), candidate);
    } catch (error) {
      if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      latestFloor = Math.max(candidate.version, ...(await matrixVersions(deps.stores, tenant)));
      continue;
    }
    const moved: MatrixPointer = {
      version: candidate.version,
      latest: candidate.version,
      generation: nextGeneration(pointer?.value, candidate.version),
      by: cmd.by,
      channel: cmd.channel,
      at: new Date(atMs).toISOString(),
      reason: cmd.reason,
    };
    try {
      if (pointer === null) await deps.stores.pointer.create(keys.matrixCurrent(tenant), moved);
      else await deps.stores.pointer.update(keys.matrixCurrent(tenant), moved, pointer.revision);
    } catch (error) {
      if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      // The pointer moved under us: this version stays unreferenced; compare with the new live one.
      latestFloor = candidate.version;
      continue;
    }
    await announce(deps, tenant, candidate, cmd);
    return { version: candidate.version, created: true, previous: candidate.parent };
  }
}

async function announce(
  deps: ImportDeps,
  tenant: string,
  v: MatrixVersionRecord,
  cmd: ImportMatrixCommand,
): Promise<void> {
  const at = new Date(v.atMs).toISOString();
  const changedId = `matrix:${tenant}:${v.parent ?? 0}->${v.version}:${v.atMs}`;
  const data = checked(MatrixChanged, {
    version: v.version,
    previous: v.parent,
    reason: v.reason,
    proposals: [],
  });
  await deps.log.publish(
    deps.subjects.matrixChanged(tenant),
    encodeMessage({ id: changedId, tenant, at, by: 'matrix-keeper', data }),
    { msgId: changedId },
  );
  const auditId = `audit:${tenant}:matrix.import:v${v.version}`;
  const audit = checked(AuditRecord, {
    action: 'matrix.import',
    object: `v${v.version}`,
    channel: cmd.channel,
    detail: { parent: v.parent, source: cmd.source, cells: v.matrix.cells.length, reason: v.reason },
  });
  await deps.log.publish(
    deps.subjects.audit(tenant),
    encodeMessage({ id: auditId, tenant, at, by: cmd.by, data: audit }),
    { msgId: auditId },
  );
}

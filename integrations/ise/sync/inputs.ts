/**
 * What a plan is made from besides ISE: the approved version (the live one
 * unless another is named), the tenant's SGT names, and the observed
 * inventory as coverage flows (for deny impact and readiness).
 */
import type { CoverageFlow } from '../../../domain/coverage.ts';
import type { Matrix } from '../../../domain/matrix.ts';
import {
  currentMatrix,
  keys,
  type MatrixVersionRecord,
  matrixVersion,
  type Stores,
  sgtNames,
} from '../../../kv-schema/mod.ts';
import { IseSyncError, IseSyncErrorCode } from './errors.ts';

const READ_BATCH = 64;

export interface ApprovedVersion {
  version: number;
  matrix: Matrix;
  record: MatrixVersionRecord;
}

/** The version to bring ISE to: `n`, or the live one; a named error when there is none. */
export async function approvedVersion(stores: Stores, tenant: string, n?: number): Promise<ApprovedVersion> {
  if (n !== undefined) {
    const record = Number.isInteger(n) && n >= 1 ? await matrixVersion(stores, tenant, n) : null;
    if (record === null) {
      throw new IseSyncError(IseSyncErrorCode.VersionNotFound, `no matrix version ${n}`, { version: n });
    }
    return { version: record.version, matrix: record.matrix as Matrix, record };
  }
  const { version } = await currentMatrix(stores, tenant);
  if (version === null) {
    throw new IseSyncError(
      IseSyncErrorCode.NoMatrix,
      'no approved matrix version yet: approve a proposal or import ISE first',
    );
  }
  return { version: version.version, matrix: version.matrix as Matrix, record: version };
}

/** Every observed flow of the tenant, as coverage reads them. */
export async function inventoryFlows(stores: Stores, tenant: string): Promise<CoverageFlow[]> {
  const found = await stores.inventory.keys(keys.tenantAll(tenant));
  const out: CoverageFlow[] = [];
  for (let i = 0; i < found.length; i += READ_BATCH) {
    const batch = await Promise.all(found.slice(i, i + READ_BATCH).map((k) => stores.inventory.get(k)));
    for (const e of batch) {
      if (e === null) continue;
      const f = e.value;
      out.push({
        id: f.flowId,
        sgt: f.sgt,
        dgt: f.dgt,
        protocol: f.protocol,
        srcPort: f.srcPort,
        dstPort: f.dstPort,
        hits: f.hits,
      });
    }
  }
  return out;
}

export const tagNames = (stores: Stores, tenant: string): Promise<Map<number, string>> =>
  sgtNames(stores, tenant);

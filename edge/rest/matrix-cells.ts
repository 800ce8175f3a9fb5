/**
 * The version diff as a matrix (domain/matrix-cells.ts) over REST, and the
 * same picture for a proposal before it is approved:
 * - `GET /matrix/versions/{n}/diff?against=m`: version n against m (default
 *   its parent; 0 is the empty matrix);
 * - `GET /proposals/{id}/preview`: the live matrix against the matrix the
 *   keeper would write on approval. The next matrix comes from the keeper's
 *   own fold (`batchVersion`), so the preview is what approval does, as long
 *   as the live version does not move first.
 *
 * Both read only the inventory flows of the changed cells: a flow id names its
 * cell, so the others are never loaded. The dashboard renders the same data.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { batchVersion } from '../../actors/matrix-keeper/batch.ts';
import type { Ace } from '../../domain/ace.ts';
import { diffMatrices, type Matrix } from '../../domain/matrix.ts';
import { cellDiff, type MatrixCellDiff } from '../../domain/matrix-cells.ts';
import type { MatrixVersion } from '../../domain/matrix-version.ts';
import { aceFingerprint, type Proposal } from '../../domain/proposal.ts';
import { keys, type ProposalRecord, type Stores, sgtNames } from '../../kv-schema/mod.ts';
import { requireRole } from '../auth.ts';
import { notFound } from '../problem.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { inventory, liveMatrix, matrixAt, versionRecord } from './matrix-data.ts';
import { IntParam, ProposalIdParam, pathParam } from './params.ts';
import { queryWith } from './validate.ts';

const MAX_VERSION = 1_000_000_000;

/** GET /matrix/versions/{n}/diff and /proposals/{id}/preview: flows listed per changed ACE line. */
export const CellDiffQuery = v.object({
  against: v.optional(IntParam(0, MAX_VERSION)),
  flows: v.optional(IntParam(0, 1000), '20'),
});
export const PreviewQuery = v.object({ flows: CellDiffQuery.entries.flows });

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Effect = { flows: Count, hits: Count, nowPermitted: Count, nowDenied: Count, nowUncovered: Count };
const Status = v.picklist(['permitted', 'denied', 'uncovered']);
const AceOut = v.looseObject({ action: v.string(), protocol: v.string() });

/** The answer's cells (documentation: the domain builds it). */
const CellDiffEntries = {
  cells: v.array(
    v.object({
      sgt: Count,
      dgt: Count,
      kind: v.picklist(['added', 'changed', 'removed']),
      nameBefore: v.nullable(v.string()),
      nameAfter: v.nullable(v.string()),
      reordered: v.boolean(),
      aces: v.array(
        v.object({
          kind: v.picklist(['added', 'changed', 'removed']),
          before: v.nullable(AceOut),
          after: v.nullable(AceOut),
          flows: v.array(
            v.object({
              flowId: v.string(),
              hits: Count,
              before: Status,
              after: Status,
              service: v.nullable(v.string()),
            }),
          ),
          flowCount: Count,
          hits: Count,
        }),
      ),
      effect: v.object(Effect),
    }),
  ),
  sources: v.array(Count),
  destinations: v.array(Count),
  defaultRule: v.nullable(v.object({ before: v.string(), after: v.string() })),
  identical: v.boolean(),
  totals: v.object({ added: Count, changed: Count, removed: Count, ...Effect }),
};

export const VersionCellDiffOut = v.object({ version: Count, against: Count, ...CellDiffEntries });
export type VersionCellDiff = MatrixCellDiff & { version: number; against: number };

export const ProposalPreviewOut = v.object({
  proposalId: v.string(),
  status: v.string(),
  sgt: Count,
  dgt: Count,
  /** The live version the preview was measured against. */
  live: Count,
  /** Pass it to approve: a proposal that changed since the preview is refused, not approved. */
  aceFingerprint: v.string(),
  ...CellDiffEntries,
});
export type ProposalPreview = MatrixCellDiff & {
  proposalId: string;
  status: string;
  sgt: number;
  dgt: number;
  live: number;
  aceFingerprint: string;
};

const cellOf = (flowId: string): string => flowId.split('-', 2).join('-');

/** `cellDiff` with only the inventory flows of the cells that change. */
async function withFlows(
  stores: Stores,
  tenant: string,
  before: Matrix,
  after: Matrix,
  maxFlows: number,
): Promise<MatrixCellDiff> {
  const d = diffMatrices(before, after);
  const touched = new Set([...d.added, ...d.removed, ...d.changed].map((c) => `${c.sgt}-${c.dgt}`));
  const flows = touched.size === 0 ? [] : await inventory(stores, tenant, (id) => touched.has(cellOf(id)));
  return cellDiff(
    before,
    after,
    flows.map((f) => ({ ...f, id: f.flowId })),
    { maxFlows },
  );
}

/** Version `n` against `against` (default: its parent); a 404 problem for a version never written. */
export async function versionCellDiff(
  stores: Stores,
  tenant: string,
  n: number,
  against?: number,
  maxFlows = 20,
): Promise<VersionCellDiff> {
  const base = against ?? (n === 0 ? 0 : ((await versionRecord(stores, tenant, n)).parent ?? 0));
  const [before, after] = await Promise.all([matrixAt(stores, tenant, base), matrixAt(stores, tenant, n)]);
  return { version: n, against: base, ...(await withFlows(stores, tenant, before, after, maxFlows)) };
}

/** What approving `p` now changes: the live matrix against the keeper's fold of `p` into it. */
export async function proposalPreview(
  stores: Stores,
  tenant: string,
  p: ProposalRecord,
  maxFlows = 20,
): Promise<ProposalPreview> {
  const [live, names] = await Promise.all([liveMatrix(stores, tenant), sgtNames(stores, tenant)]);
  const next = batchVersion({
    current: live.record as MatrixVersion | null,
    latest: live.pointer?.value.latest ?? live.version,
    proposals: [p as Proposal],
    names,
    author: 'preview',
    channel: 'api',
    atMs: Date.now(),
  });
  return {
    proposalId: p.id,
    status: p.status,
    sgt: p.sgt,
    dgt: p.dgt,
    live: live.version,
    aceFingerprint: aceFingerprint(p.aces as Ace[]),
    ...(await withFlows(stores, tenant, live.matrix, next.matrix as Matrix, maxFlows)),
  };
}

/** Mounted under /matrix. */
export function matrixCellRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/versions/:n/diff', requireRole('viewer'), async (c) => {
    const n = pathParam(c, 'n', IntParam(0, MAX_VERSION));
    const q = queryWith(c, CellDiffQuery);
    return c.json(await versionCellDiff(deps.stores, tenantOf(c), n, q.against, q.flows));
  });
  return app;
}

/** Mounted under /proposals. */
export function proposalPreviewRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:id/preview', requireRole('viewer'), async (c) => {
    const id = pathParam(c, 'id', ProposalIdParam);
    const q = queryWith(c, PreviewQuery);
    const tenant = tenantOf(c);
    const found = await deps.stores.proposals.get(keys.proposal(tenant, id));
    if (found === null) throw notFound(`no proposal ${id}`);
    return c.json(await proposalPreview(deps.stores, tenant, found.value, q.flows));
  });
  return app;
}

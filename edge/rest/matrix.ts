/**
 * REST: /api/v1/matrix (DESIGN §5, §9). Reads (viewer+): the live version,
 * every version and the pointer's flip log, one version, the diff between two
 * (also cell by cell with the flows each change decides: matrix-cells.ts),
 * readiness for a `deny ip` default, and exports in every render format.
 * Rollback (admin) only moves the pointer, and only the matrix keeper does it,
 * over Rpc (see commands.ts for how its replies map to HTTP).
 *
 * Decisions: version 0 is the empty matrix a tenant starts from, so `from=0`
 * diffs against nothing and `GET /matrix` answers version 0 before the first
 * approval. `diff` defaults to the live version against its parent.
 * `readiness` serves the scheduler's snapshot while it measured the live
 * version; with none, or after the pointer moved, it is measured now
 * (`source` says which).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { diffMatrices, type Matrix } from '../../domain/matrix.ts';
import { INITIAL_MATRIX } from '../../domain/matrix-version.ts';
import { DeployMode, OutputFormat } from '../../domain/render/mod.ts';
import { keys, type MatrixVersionRecord, matrixVersions, sgtNames } from '../../kv-schema/mod.ts';
import { CommandVerb } from '../../streams/mod.ts';
import { requireRole } from '../auth.ts';
import { actorOf } from './channel.ts';
import { sendCommand } from './commands.ts';
import { type ApiDeps, type ApiEnv, principalOf, tenantOf } from './deps.ts';
import { matrixCellRoutes } from './matrix-cells.ts';
import { inventory, liveMatrix, mapParallel, matrixAt, readinessNow, versionRecord } from './matrix-data.ts';
import { exportResponse } from './matrix-export.ts';
import { IntParam, NonBlank, pathParam } from './params.ts';
import { jsonBody, queryWith } from './validate.ts';

const MAX_VERSION = 1_000_000_000;
const VersionParam = IntParam(0, MAX_VERSION);

/** POST /matrix/rollback: make an earlier version live again. */
export const RollbackBody = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_VERSION)),
  reason: NonBlank(2000),
});
export type RollbackBody = v.InferOutput<typeof RollbackBody>;

/** GET /matrix/diff: versions to compare; 0 is the empty matrix. */
export const DiffQuery = v.object({ from: v.optional(VersionParam), to: v.optional(VersionParam) });

/** GET /matrix/export. */
export const ExportQuery = v.object({
  format: v.optional(v.picklist(Object.values(OutputFormat)), OutputFormat.Markdown),
  mode: v.optional(v.picklist(Object.values(DeployMode)), DeployMode.Monitor),
  version: v.optional(VersionParam),
});

const iso = (ms: number): string => new Date(ms).toISOString();

/** A version without its cells, for lists. */
const summary = (r: MatrixVersionRecord, live: number) => ({
  version: r.version,
  parent: r.parent,
  author: r.author,
  channel: r.channel,
  reason: r.reason,
  at: iso(r.atMs),
  proposals: r.proposals,
  cells: r.matrix.cells.length,
  defaultRule: r.matrix.defaultRule,
  live: r.version === live,
});

export function matrixRoutes(deps: ApiDeps): Hono<ApiEnv> {
  // Stores are read per request: the router is built before the engine's buckets exist.
  const app = new Hono<ApiEnv>();

  app.get('/', requireRole('viewer'), async (c) => {
    const live = await liveMatrix(deps.stores, tenantOf(c));
    const r = live.record;
    return c.json({
      version: live.version,
      pointer: live.pointer?.value ?? null,
      parent: r?.parent ?? null,
      author: r?.author ?? null,
      channel: r?.channel ?? null,
      reason: r?.reason ?? null,
      at: r === null ? null : iso(r.atMs),
      proposals: r?.proposals ?? [],
      matrix: live.matrix,
    });
  });

  app.get('/versions', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const live = await liveMatrix(deps.stores, tenant);
    const numbers = (await matrixVersions(deps.stores, tenant)).reverse();
    const records = await mapParallel(numbers, (n) => deps.stores.matrix.get(keys.matrixVersion(tenant, n)));
    const flips = (await deps.stores.pointer.history(keys.matrixCurrent(tenant))).reverse();
    return c.json({
      live: live.version,
      latest: live.pointer?.value.latest ?? 0,
      versions: records.flatMap((r) => (r === null ? [] : [summary(r.value, live.version)])),
      /** The pointer's history, newest first (KV keeps its last 64 moves). */
      flips: flips.map((f) => ({ revision: f.revision, ...f.value })),
    });
  });

  app.get('/versions/:n', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const n = pathParam(c, 'n', IntParam(1, MAX_VERSION));
    const record = await versionRecord(deps.stores, tenant, n);
    const live = await liveMatrix(deps.stores, tenant);
    return c.json({ ...summary(record, live.version), matrix: record.matrix });
  });

  app.get('/diff', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, DiffQuery);
    const to = q.to ?? (await liveMatrix(deps.stores, tenant)).version;
    const from = q.from ?? (to === 0 ? 0 : ((await versionRecord(deps.stores, tenant, to)).parent ?? 0));
    const [before, after] = await Promise.all([
      matrixAt(deps.stores, tenant, from),
      matrixAt(deps.stores, tenant, to),
    ]);
    return c.json({ from, to, ...diffMatrices(before, after) });
  });

  // GET /versions/{n}/diff: the same diff cell by cell, with the flows each changed ACE decides.
  app.route('/', matrixCellRoutes(deps));

  app.post('/rollback', requireRole('admin'), async (c) => {
    const body = await jsonBody(c, RollbackBody);
    const principal = principalOf(c);
    const actor = actorOf(c, principal);
    return sendCommand(deps, principal.tenant, CommandVerb.Rollback, {
      version: body.version,
      reason: body.reason,
      by: actor.by,
      channel: actor.channel,
    });
  });

  app.get('/readiness', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const [snapshot, live] = await Promise.all([
      deps.stores.readiness.get(keys.readiness(tenant)),
      liveMatrix(deps.stores, tenant),
    ]);
    const fresh = snapshot !== null && snapshot.value.version === live.version;
    const r = fresh ? snapshot.value : await readinessNow(deps.stores, tenant, Date.now());
    return c.json({ source: fresh ? 'snapshot' : 'computed', at: iso(r.atMs), ...r });
  });

  app.get('/export', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, ExportQuery);
    const live = (await liveMatrix(deps.stores, tenant)).version;
    const version = q.version ?? live;
    const record = version === 0 ? null : await versionRecord(deps.stores, tenant, version);
    const flows = (await inventory(deps.stores, tenant)).map((f) => ({ ...f, id: f.flowId }));
    return exportResponse({
      tenant,
      version,
      live,
      flows,
      matrix: (record?.matrix ?? INITIAL_MATRIX) as Matrix,
      ...(record === null ? {} : { atMs: record.atMs }),
      sgtNames: await sgtNames(deps.stores, tenant),
      format: q.format,
      mode: q.mode,
    });
  });

  return app;
}

/**
 * REST: staged runs under /api/v1/runs, for callers that cannot upload a log
 * in one request (the MCP tools, a script pasting lines): create an open run,
 * append lines in as many requests as needed (parsed and aggregated on
 * arrival; only the aggregate is stored), classify it, build its contracts.
 * `GET /runs/{id}` shows the status and stats at every stage, and
 * `GET /runs/{id}/matrix` renders it once built. Also `GET /runs`, the list.
 *
 * Decisions: each stage is a CAS update of the run record, so two requests
 * racing on one run never lose a batch. Lines are accepted only while the run
 * is open; classifying again is allowed until it is built; building a built
 * run answers it unchanged.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { Analysis } from '../../domain/analysis.ts';
import { buildContracts } from '../../domain/contracts.ts';
import { missingTags, UNKNOWN_TAG } from '../../domain/sgt.ts';
import { keys, sgtNames } from '../../kv-schema/mod.ts';
import { type RunRecord, RunStatus } from '../../kv-schema/run-record.ts';
import { requireRole } from '../auth.ts';
import { badRequest, conflict, tooLarge } from '../problem.ts';
import { type ApiDeps, type ApiEnv, principalOf, tenantOf } from './deps.ts';
import { mapParallel } from './matrix-data.ts';
import { IntParam } from './params.ts';
import { classifyRunFlows } from './run-classify.ts';
import { runRecord } from './run-result.ts';
import { addBatch, flowOf, openRunRecord, StageError } from './run-stage.ts';
import { lazyRunStore, updateRun } from './run-store.ts';
import { RunQuery, RunSummary, summaryOf, timeParam } from './runs.ts';
import { jsonBody, optionalJsonBody, queryWith } from './validate.ts';

/** Lines one request may append. */
export const STAGED_MAX_LINES = 10_000;
/** `POST /runs/staged`: the run's parameters (the same as `POST /runs` takes in its query). */
export const StagedRunBody = v.object(RunQuery.entries);

/** `POST /runs/{id}/lines`. */
export const RunLinesBody = v.object({
  lines: v.pipe(
    v.array(v.string()),
    v.minLength(1, 'send at least one line'),
    v.maxLength(STAGED_MAX_LINES, `send at most ${STAGED_MAX_LINES} lines per request`),
  ),
  batchId: v.optional(
    v.pipe(v.string(), v.regex(/^[-_.:a-zA-Z0-9]{1,64}$/, 'must be 1-64 letters, digits or -_.:')),
  ),
});

/** What `POST /runs/{id}/lines` answers: the batch's own counts, then the run. */
export const RunLinesResult = v.object({
  batch: v.object({
    duplicate: v.boolean(),
    lines: v.number(),
    events: v.number(),
    hits: v.number(),
    rejected: v.number(),
    flows: v.number(),
  }),
  run: RunSummary,
});

/** `GET /runs`. */
export const RunListQuery = v.object({
  status: v.optional(RunStatus),
  limit: v.optional(IntParam(1, 200), '20'),
});

export const RunList = v.object({ total: v.number(), items: v.array(RunSummary) });

const encoder = new TextEncoder();

export function stagedRunsRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const store = lazyRunStore(deps);
  const update = async (
    tenant: string,
    id: string,
    change: Parameters<typeof updateRun>[3],
  ): Promise<RunRecord> => updateRun(await store(), tenant, id, change);

  app.get('/', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, RunListQuery);
    const runs = await store();
    const found = await mapParallel(await runs.keys(keys.tenantAll(tenant)), (k) => runs.get(k));
    const items = found
      .flatMap((f) => (f === null ? [] : [f.value]))
      .filter((r) => q.status === undefined || r.status === q.status)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
      .map(summaryOf);
    return c.json({ total: items.length, items: items.slice(0, q.limit) });
  });

  app.post('/staged', requireRole('operator'), async (c) => {
    const principal = principalOf(c);
    const body = await optionalJsonBody(c, StagedRunBody);
    const nowMs = Date.now();
    const sinceMs = timeParam(body.since, nowMs, 'since');
    const untilMs = timeParam(body.until, nowMs, 'until');
    if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
      throw badRequest('since is after until');
    }
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const record = openRunRecord({
      id: crypto.randomUUID(),
      tenant: principal.tenant,
      createdBy: principal.subject,
      nowMs,
      params: { since: iso(sinceMs), until: iso(untilMs), classifier: body.classifier },
    });
    await (await store()).create(keys.run(principal.tenant, record.id), record);
    c.header('location', `/api/v1/runs/${record.id}`);
    return c.json(summaryOf(record), 201);
  });

  app.post('/:id/lines', requireRole('operator'), async (c) => {
    const tenant = tenantOf(c);
    const body = await jsonBody(c, RunLinesBody);
    let batch = { duplicate: false, lines: 0, events: 0, hits: 0, rejected: 0, flows: 0 };
    const record = await update(tenant, c.req.param('id'), (r) => {
      if (r.status !== 'open') {
        throw conflict(`run ${r.id} is ${r.status}: lines are accepted only while it is open`);
      }
      const nowMs = Date.now();
      const analysis = new Analysis({
        referenceMs: nowMs,
        ...(r.params.since === null ? {} : { sinceMs: Date.parse(r.params.since) }),
        ...(r.params.until === null ? {} : { untilMs: Date.parse(r.params.until) }),
      });
      analysis.addLines(body.lines);
      const { flows, stats } = analysis.result();
      const bytes = body.lines.reduce((n, line) => n + encoder.encode(line).byteLength + 1, 0);
      try {
        const added = addBatch(
          r,
          { flows, stats, bytes, ...(body.batchId ? { batchId: body.batchId } : {}) },
          nowMs,
        );
        batch = {
          duplicate: added.duplicate,
          lines: added.duplicate ? 0 : stats.linesRead,
          events: added.duplicate ? 0 : stats.events,
          hits: added.duplicate ? 0 : stats.hits,
          rejected: added.duplicate ? 0 : stats.rejectedTotal,
          flows: added.duplicate ? 0 : flows.length,
        };
        return added.duplicate ? null : added.record;
      } catch (error) {
        if (error instanceof StageError) throw tooLarge(error.message);
        throw error;
      }
    });
    return c.json({ batch, run: summaryOf(record) });
  });

  app.post('/:id/classify', requireRole('operator'), async (c) => {
    const tenant = tenantOf(c);
    const record = await update(tenant, c.req.param('id'), async (r) => {
      if (r.status === 'done')
        throw conflict(`run ${r.id} is built already: start a new run to classify again`);
      if (r.flows.length === 0) throw conflict(`run ${r.id} has no flows yet: append SGACL hit lines first`);
      const nowMs = Date.now();
      const names = new Map([[UNKNOWN_TAG, 'Unknown'], ...(await sgtNames(deps.stores, tenant))]);
      const flows = r.flows.map(flowOf);
      const classifications = await classifyRunFlows(deps, tenant, flows, names, r.params.classifier, nowMs);
      const seen = new Set(r.stats.tagsSeen);
      const { flows: _f, classifications: _c, contracts: _k, truncated: _t, ...head } = r;
      return runRecord(
        {
          ...head,
          status: 'classified',
          updatedAt: new Date(nowMs).toISOString(),
          missingSgts: missingTags(names, r.stats.tagsSeen),
          sgtNames: [...names].filter(([tag]) => seen.has(tag)),
        },
        { flows, classifications, contracts: [] },
      );
    });
    return c.json(summaryOf(record));
  });

  app.post('/:id/build', requireRole('operator'), async (c) => {
    const tenant = tenantOf(c);
    const record = await update(tenant, c.req.param('id'), (r) => {
      if (r.status === 'done') return null;
      if (r.status === 'open')
        throw conflict(`run ${r.id} is open: classify it first (POST /runs/{id}/classify)`);
      const flows = r.flows.map(flowOf);
      const names = new Map(r.sgtNames);
      const contracts = buildContracts(flows, r.classifications, names);
      const { flows: _f, classifications: _c, contracts: _k, truncated: _t, ...head } = r;
      return runRecord(
        { ...head, status: 'done', updatedAt: new Date().toISOString(), contractCount: contracts.length },
        { flows, classifications: r.classifications, contracts },
      );
    });
    return c.json(summaryOf(record));
  });

  return app;
}

/**
 * REST: /api/v1/runs. A run is `scopilot analyze` over HTTP: the upload is
 * streamed into an Analysis, classified, turned into contracts and stored in
 * `scopilot_runs` (30 days) under the caller's tenant, synchronously. Its
 * matrix can then be rendered in any output format. Staged runs
 * (runs-staged.ts) build the same record one step per request.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { Analysis } from '../../domain/analysis.ts';
import { buildContracts } from '../../domain/contracts.ts';
import { DeployMode, OUTPUT_MEDIA, OutputFormat, render } from '../../domain/render/mod.ts';
import { missingTags, parseSgtDictionary, SgtDictionaryError, UNKNOWN_TAG } from '../../domain/sgt.ts';
import { parseTime, TimeFormatError } from '../../domain/time.ts';
import { keys, sgtNames } from '../../kv-schema/mod.ts';
import {
  openRunStore,
  RunClassifier,
  type RunRecord,
  RunStats,
  RunStatus,
  type RunStore,
} from '../../kv-schema/run-record.ts';
import { requireRole } from '../auth.ts';
import { badRequest, conflict, notFound } from '../problem.ts';
import { type ApiDeps, type ApiEnv, principalOf } from './deps.ts';
import { classifyRunFlows } from './run-classify.ts';
import { type RunHead, renderInputOf, runRecord } from './run-result.ts';
import { RUN_BODY_LIMIT, readUpload } from './run-upload.ts';
import { queryWith } from './validate.ts';

export { RUN_BODY_LIMIT } from './run-upload.ts';

const TimeText = v.pipe(v.string(), v.maxLength(64));

/** `POST /runs` query: the time window (ISO 8601, a date, or `24h` / `7d` back from now) and the classifier. */
export const RunQuery = v.object({
  since: v.optional(TimeText),
  until: v.optional(TimeText),
  classifier: v.optional(RunClassifier, 'auto'),
});

/** `GET /runs/{id}/matrix` query. */
export const RunMatrixQuery = v.object({
  format: v.optional(v.picklist(Object.values(OutputFormat)), OutputFormat.Markdown),
  mode: v.optional(v.picklist(Object.values(DeployMode)), DeployMode.Monitor),
});

/** A run's metadata: the answer of `POST /runs` and `GET /runs/{id}`; staged runs pass through open and classified. */
export const RunSummary = v.object({
  id: v.string(),
  status: RunStatus,
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  createdBy: v.string(),
  params: v.object({
    since: v.nullable(v.string()),
    until: v.nullable(v.string()),
    classifier: RunClassifier,
  }),
  sources: v.array(v.object({ name: v.string(), bytes: v.number(), gzip: v.boolean() })),
  stats: RunStats,
  flows: v.pipe(v.number(), v.integer()),
  contracts: v.pipe(v.number(), v.integer()),
  missingSgts: v.array(v.number()),
  truncated: v.boolean(),
});
export type RunSummary = v.InferOutput<typeof RunSummary>;

export interface RunsOptions {
  /** Upload limit in bytes, compressed and inflated (default 1 GiB). */
  maxBodyBytes?: number;
}

export const RUN_ID = /^[-_a-zA-Z0-9]{1,64}$/;

export function timeParam(text: string | undefined, nowMs: number, name: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseTime(text, nowMs, name);
  } catch (error) {
    if (error instanceof TimeFormatError) throw badRequest(error.message);
    throw error;
  }
}

export const summaryOf = (r: RunRecord): RunSummary => ({
  id: r.id,
  status: r.status,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  params: r.params,
  sources: r.sources,
  stats: r.stats,
  flows: r.flowCount,
  contracts: r.contractCount,
  missingSgts: r.missingSgts,
  truncated: r.truncated,
});

function overlay(base: Map<number, string>, text: string | null): Map<number, string> {
  if (text === null) return base;
  let uploaded: Map<number, string>;
  try {
    uploaded = parseSgtDictionary(text);
  } catch (error) {
    if (error instanceof SgtDictionaryError) throw badRequest(`the sgt dictionary: ${error.message}`);
    throw error;
  }
  for (const [tag, name] of uploaded) {
    // The parser's default name for tag 0 must not hide the tenant's own.
    if (tag === UNKNOWN_TAG && name === 'Unknown' && base.has(tag)) continue;
    base.set(tag, name);
  }
  return base;
}

export function runsRoutes(deps: ApiDeps, options: RunsOptions = {}): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const maxBodyBytes = options.maxBodyBytes ?? RUN_BODY_LIMIT;
  let opened: Promise<RunStore> | undefined;
  const store = (): Promise<RunStore> => {
    opened ??= openRunStore(deps.engine, deps.ns).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };

  async function load(tenant: string, id: string): Promise<RunRecord> {
    const found = RUN_ID.test(id) ? await (await store()).get(keys.run(tenant, id)) : null;
    if (found === null) throw notFound(`no run ${JSON.stringify(id.slice(0, 64))}`);
    return found.value;
  }

  app.post('/', requireRole('operator'), async (c) => {
    const principal = principalOf(c);
    const tenant = principal.tenant;
    const query = queryWith(c, RunQuery);
    const nowMs = Date.now();
    const sinceMs = timeParam(query.since, nowMs, 'since');
    const untilMs = timeParam(query.until, nowMs, 'until');
    if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
      throw badRequest('since is after until');
    }
    const analysis = new Analysis({ referenceMs: nowMs, sinceMs, untilMs });
    const upload = await readUpload(c.req.raw, analysis, maxBodyBytes, nowMs);
    const { flows, stats } = analysis.result();
    if (stats.linesRead === 0) throw badRequest('the upload has no lines');
    const names = overlay(
      new Map([[UNKNOWN_TAG, 'Unknown'], ...(await sgtNames(deps.stores, tenant))]),
      upload.sgtText,
    );

    const classifications = await classifyRunFlows(deps, tenant, flows, names, query.classifier, nowMs);
    const contracts = buildContracts(flows, classifications, names);

    const seen = new Set(stats.tagsSeen);
    const id = crypto.randomUUID();
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const head: RunHead = {
      id,
      tenant,
      status: 'done',
      createdAt: new Date(nowMs).toISOString(),
      createdBy: principal.subject,
      params: { since: iso(sinceMs), until: iso(untilMs), classifier: query.classifier },
      sources: upload.sources,
      stats: {
        ...stats,
        rejected: Object.fromEntries(Object.entries(stats.rejected).filter(([, r]) => r !== undefined)),
      },
      flowCount: flows.length,
      contractCount: contracts.length,
      missingSgts: missingTags(names, stats.tagsSeen),
      sgtNames: [...names].filter(([tag]) => seen.has(tag)),
    };
    const record = runRecord(head, { flows, classifications, contracts });
    await (await store()).create(keys.run(tenant, id), record);
    deps.logger.info({ tenant, run: id, lines: stats.linesRead, flows: flows.length }, 'run stored');
    c.header('location', `/api/v1/runs/${id}`);
    return c.json(summaryOf(record), 201);
  });

  app.get('/:id', requireRole('viewer'), async (c) => {
    return c.json(summaryOf(await load(principalOf(c).tenant, c.req.param('id'))));
  });

  app.get('/:id/matrix', requireRole('viewer'), async (c) => {
    const query = queryWith(c, RunMatrixQuery);
    const record = await load(principalOf(c).tenant, c.req.param('id'));
    if (record.status !== 'done') {
      throw conflict(`run ${record.id} is ${record.status}: build its matrix first (POST /runs/{id}/build)`);
    }
    const media = OUTPUT_MEDIA[query.format];
    const body = render(query.format, renderInputOf(record), { mode: query.mode });
    return c.body(body, 200, {
      'content-type': media.mediaType,
      'content-disposition': `attachment; filename="scopilot-run-${record.id}.${media.extension}"`,
    });
  });

  return app;
}

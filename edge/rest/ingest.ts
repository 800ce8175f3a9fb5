/**
 * REST: /api/v1/ingest. Live ingestion of lines handed over by a client:
 * parsed, aggregated and published as `flows.observed` deltas, exactly as the
 * tail does. The batch's origin is the request's Idempotency-Key (or a fresh
 * id, returned as `origin`): sending the same lines again with the same key
 * stores them once (within the event log's duplicate window).
 *
 * The tenant's lines-per-second quota (actors/tail/quota.ts) is taken before
 * anything is published. A request whose (first) batch cannot have its
 * tokens now is answered 429 with Retry-After and nothing of it is stored:
 * the client sends the whole request again. The batches of a long text body
 * after its first one wait for their tokens instead (the request is already
 * partly stored), and a first batch larger than one second's quota is taken
 * as a full second now and the rest paced: any request is admitted in the end.
 */
import { type Context, Hono } from 'hono';
import * as v from 'valibot';
import { ingestLines } from '../../actors/tail/ingest.ts';
import { LinesQuota } from '../../actors/tail/quota.ts';
import type { AnalysisStats } from '../../domain/analysis.ts';
import { Bucket, bucketName, SharedRateLimiter } from '../../kv-schema/mod.ts';
import { requireRole } from '../auth.ts';
import { badRequest, problem } from '../problem.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { ByteLimit, checkDeclaredLength, lineBatches, streamChunks, unsupportedMedia } from './upload.ts';
import { JSON_LIMIT_BYTES, jsonBody } from './validate.ts';

/** Default limit of a text/plain body. JSON bodies are limited to 1 MiB. */
export const INGEST_TEXT_LIMIT = 64 << 20;
/** A long text body is ingested in batches of about this many bytes (each its own origin suffix). */
export const INGEST_BATCH_BYTES = 4 << 20;

/** `POST /ingest` as JSON. */
export const IngestBody = v.object({
  lines: v.pipe(v.array(v.string()), v.minLength(1, 'send at least one line')),
});

/** What `POST /ingest` answers (202). */
export const IngestResult = v.object({
  /** The batch's origin: the Idempotency-Key, or a fresh id (send it as the key to retry safely). */
  origin: v.string(),
  lines: v.number(),
  events: v.number(),
  rejected: v.record(v.string(), v.number()),
  deltas: v.number(),
});
export type IngestResult = v.InferOutput<typeof IngestResult>;

/** Idempotency-Key: short, and plain enough to be part of a message id. */
export const IDEMPOTENCY_KEY = /^[-_.:a-zA-Z0-9]{1,64}$/;

export interface IngestOptions {
  /** Text body limit in bytes (default 64 MiB). */
  maxTextBytes?: number;
}

const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^application\/([-.\w]+\+)?json\s*(;|$)/i.test(contentType);

/** 429: the tenant is over its lines-per-second quota; nothing of the request was stored. */
class OverQuotaError extends Error {
  readonly retryInMs: number;
  constructor(tenant: string, retryInMs: number) {
    const seconds = Math.max(1, Math.ceil(retryInMs / 1_000));
    super(
      `tenant ${tenant} is over its quota of lines per second; nothing of this request was ingested, send it again in ${seconds} s`,
    );
    this.name = 'OverQuotaError';
    this.retryInMs = retryInMs;
  }

  response(): Response {
    const res = problem({
      title: 'Too many requests',
      status: 429,
      detail: this.message,
      code: 'QUOTA_LINES',
    });
    res.headers.set('retry-after', String(Math.max(1, Math.ceil(this.retryInMs / 1_000))));
    return res;
  }
}

function add(total: IngestResult, stats: AnalysisStats, deltas: number): void {
  total.lines += stats.linesRead;
  total.events += stats.events;
  total.deltas += deltas;
  for (const [reason, r] of Object.entries(stats.rejected)) {
    if (r !== undefined) total.rejected[reason] = (total.rejected[reason] ?? 0) + r.count;
  }
}

export function ingestRoutes(deps: ApiDeps, options: IngestOptions = {}): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const maxTextBytes = options.maxTextBytes ?? INGEST_TEXT_LIMIT;
  // One gate per router: its lease of each tenant's bucket serves every request here.
  let gate: Promise<LinesQuota> | null = null;
  const quota = () =>
    (gate ??= deps.engine.kv.bucket(bucketName(Bucket.State, deps.ns)).then(
      (bucket) =>
        new LinesQuota({
          limiter: new SharedRateLimiter(bucket),
          quotas: deps.config.quotas,
          ...(deps.quotaMetrics ? { metrics: deps.quotaMetrics } : {}),
        }),
    ));
  /** The first batch gets its tokens now or the request is refused; later ones wait for theirs. */
  const admit = async (tenant: string, lines: number, first: boolean): Promise<void> => {
    const q = await quota();
    if (!first) {
      await q.take(tenant, lines);
      return;
    }
    const now = Math.min(lines, q.perSecond(tenant) || lines);
    const taken = await q.tryTake(tenant, now);
    if (!taken.ok) throw new OverQuotaError(tenant, taken.retryInMs);
    if (lines > now) await q.take(tenant, lines - now);
  };

  app.post('/', requireRole('operator'), (c) =>
    post(c).catch((error: unknown) => {
      if (error instanceof OverQuotaError) return error.response();
      throw error;
    }),
  );

  async function post(c: Context<ApiEnv>): Promise<Response> {
    const tenant = tenantOf(c);
    const key = c.req.header('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw badRequest(`Idempotency-Key must match ${IDEMPOTENCY_KEY.source}`);
    }
    // Not the access log's request id: a caller may reuse that one for unrelated requests.
    const origin = key ?? crypto.randomUUID();
    const nowMs = Date.now();
    const total: IngestResult = { origin, lines: 0, events: 0, rejected: {}, deltas: 0 };
    const ingest = async (lines: readonly string[], batchOrigin: string, first: boolean) => {
      await admit(tenant, lines.length, first);
      const result = await ingestLines({
        log: deps.engine.log,
        subjects: deps.subjects,
        tenant,
        lines,
        origin: batchOrigin,
        source: 'api',
        nowMs,
        ...(deps.ingestMetrics ? { metrics: deps.ingestMetrics } : {}),
      });
      add(total, result.stats, result.deltas);
    };

    if (isJson(c.req.header('content-type'))) {
      const body = await jsonBody(c, IngestBody, JSON_LIMIT_BYTES);
      await ingest(body.lines, origin, true);
    } else {
      const type = c.req.header('content-type');
      if (type !== undefined && !/^text\/plain\s*(;|$)/i.test(type)) {
        throw unsupportedMedia('send text/plain lines or application/json {"lines": [...]}');
      }
      const stream = c.req.raw.body;
      if (stream === null) throw badRequest('the body is empty');
      const limit = new ByteLimit(maxTextBytes, 'the body');
      checkDeclaredLength(c.req.header('content-length'), limit);
      let batch = 0;
      for await (const lines of lineBatches(streamChunks(stream, limit), INGEST_BATCH_BYTES)) {
        // Batches are cut at the same bytes every time, so a retry gets the same origins.
        await ingest(lines, batch === 0 ? origin : `${origin}:${batch}`, batch === 0);
        batch++;
      }
    }
    if (total.lines === 0) throw badRequest('the body has no lines');
    return c.json(total, 202);
  }

  return app;
}

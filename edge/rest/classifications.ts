/**
 * REST: /api/v1/classifications. Flows with how they are classified
 * (category, risk, rationale, and the source that decided: guardrail, cache,
 * llm, heuristic), either a run's (`run=<id>`, as that run stored them) or the
 * live inventory's as of now. Viewer+.
 *
 * Decisions: the live view never calls the model or writes the cache; it reads
 * the classifier's cached answers and fills the rest with guardrails and
 * heuristics, so a read costs nothing and changes nothing. Rationales are text
 * from a model or from logs: clients must treat them as untrusted data.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { UNKNOWN_TAG } from '../../domain/sgt.ts';
import type { Flow } from '../../domain/types.ts';
import { ClassificationRecord, type InventoryRecord, keys, sgtNames } from '../../kv-schema/mod.ts';
import { requireRole } from '../auth.ts';
import { conflict, notFound } from '../problem.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { inventory } from './matrix-data.ts';
import { IntParam, TagParam } from './params.ts';
import { classifyReadOnly } from './run-classify.ts';
import { lazyRunStore } from './run-store.ts';
import { RUN_ID } from './runs.ts';
import { queryWith } from './validate.ts';

const Category = ClassificationRecord.entries.category;

/** GET /classifications. */
export const ClassificationsQuery = v.object({
  run: v.optional(v.pipe(v.string(), v.regex(RUN_ID, 'must be a run id'))),
  sgt: v.optional(TagParam),
  dgt: v.optional(TagParam),
  category: v.optional(Category),
  limit: v.optional(IntParam(1, 2_000), '200'),
});

/** One classified flow. */
export const ClassifiedFlow = v.object({
  flowId: v.string(),
  sgt: v.number(),
  dgt: v.number(),
  protocol: v.string(),
  srcPort: v.union([v.number(), v.literal('any')]),
  dstPort: v.union([v.number(), v.literal('any')]),
  hits: v.number(),
  ...v.omit(ClassificationRecord, ['flowId']).entries,
});
export type ClassifiedFlow = v.InferOutput<typeof ClassifiedFlow>;

export const ClassificationList = v.object({
  source: v.picklist(['run', 'inventory']),
  run: v.nullable(v.string()),
  total: v.number(),
  limit: v.number(),
  items: v.array(ClassifiedFlow),
});

type FlowFigures = Pick<Flow, 'id' | 'sgt' | 'dgt' | 'protocol' | 'srcPort' | 'dstPort' | 'hits'>;

/** An inventory record as the classifier takes it (addresses are never needed to classify). */
const flowOfRecord = (r: InventoryRecord): Flow => ({
  id: r.flowId,
  sgt: r.sgt,
  dgt: r.dgt,
  protocol: r.protocol,
  srcPort: r.srcPort,
  dstPort: r.dstPort,
  hits: r.hits,
  events: r.events,
  firstSeenMs: r.firstSeenMs,
  lastSeenMs: r.lastSeenMs,
  daysSeen: r.days.length,
  srcSamples: [],
  dstSamples: [],
  permitHits: r.permitHits,
  denyHits: r.denyHits,
  switches: [],
  interfaces: [],
  sgaclNames: [],
});

const busiest = (a: InventoryRecord, b: InventoryRecord): number =>
  b.hits - a.hits || (a.flowId < b.flowId ? -1 : 1);

function joined(
  flows: readonly FlowFigures[],
  classified: readonly ClassificationRecord[],
): ClassifiedFlow[] {
  const byFlow = new Map(classified.map((c) => [c.flowId, c]));
  return flows.flatMap((f) => {
    const c = byFlow.get(f.id);
    if (c === undefined) return [];
    const { flowId: _, ...rest } = c;
    const { id, sgt, dgt, protocol, srcPort, dstPort, hits } = f;
    return [{ flowId: id, sgt, dgt, protocol, srcPort, dstPort, hits, ...rest }];
  });
}

export function classificationsRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const runs = lazyRunStore(deps);

  app.get('/', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, ClassificationsQuery);
    const wanted = (f: { sgt: number; dgt: number }) =>
      (q.sgt === undefined || f.sgt === q.sgt) && (q.dgt === undefined || f.dgt === q.dgt);
    let items: ClassifiedFlow[];
    /** Flows that match; only those on the page are classified when no category is asked for. */
    let total: number | null = null;
    if (q.run !== undefined) {
      const found = await (await runs()).get(keys.run(tenant, q.run));
      if (found === null) throw notFound(`no run ${q.run}`);
      if (found.value.status === 'open') throw conflict(`run ${q.run} is open: classify it first`);
      items = joined(found.value.flows.filter(wanted), found.value.classifications);
    } else {
      const all = (await inventory(deps.stores, tenant)).filter(wanted).sort(busiest);
      // Classifying means a cache read per flow: without a category filter, only the page needs it.
      const flows = (q.category === undefined ? all.slice(0, q.limit) : all).map(flowOfRecord);
      if (q.category === undefined) total = all.length;
      const names = new Map([[UNKNOWN_TAG, 'Unknown'], ...(await sgtNames(deps.stores, tenant))]);
      items = joined(flows, await classifyReadOnly(deps, tenant, flows, names, Date.now()));
    }
    const matching = items
      .filter((i) => q.category === undefined || i.category === q.category)
      .sort((a, b) => b.hits - a.hits || (a.flowId < b.flowId ? -1 : 1));
    return c.json({
      source: q.run === undefined ? 'inventory' : 'run',
      run: q.run ?? null,
      total: total ?? matching.length,
      limit: q.limit,
      items: matching.slice(0, q.limit),
    });
  });

  return app;
}

/**
 * REST: one flow explained against the live matrix, and a default-deny
 * simulation. Both read the live inventory and the live matrix version and
 * reuse the domain's coverage rules (domain/coverage.ts: the first matching
 * ACE of the cell decides; no match leaves the flow to the default). Viewer+.
 *
 *   GET /flows/{id}/explain     permitted, denied or uncovered, by what, and the evidence
 *   GET /matrix/simulate-deny   what would break if the default became `deny ip` today
 *
 * Two routers, mounted under /flows and /matrix beside those resources' own.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { aceText, decideFlow } from '../../domain/ace.ts';
import { CoverageStatus, coverage, readiness } from '../../domain/coverage.ts';
import { parseFlowId } from '../../domain/flow.ts';
import { DefaultRule } from '../../domain/matrix.ts';
import { sgtName } from '../../domain/sgt.ts';
import { keys, sgtNames } from '../../kv-schema/mod.ts';
import { requireRole } from '../auth.ts';
import { badRequest, notFound } from '../problem.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { inventory, liveMatrix } from './matrix-data.ts';
import { IntParam } from './params.ts';
import { queryWith } from './validate.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** GET /matrix/simulate-deny. */
export const SimulateDenyQuery = v.object({ limit: v.optional(IntParam(1, 1_000), '50') });

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Port = v.union([Count, v.literal('any')]);
const NamedTag = v.object({ tag: Count, name: v.string() });
const Status = v.picklist(Object.values(CoverageStatus));
const Rule = v.picklist(Object.values(DefaultRule));

/** What GET /flows/{id}/explain answers. */
export const FlowExplanation = v.object({
  flowId: v.string(),
  source: NamedTag,
  destination: NamedTag,
  protocol: v.string(),
  srcPort: Port,
  dstPort: Port,
  /** The live matrix version (0: none approved yet). */
  version: Count,
  status: Status,
  /** An ACE of the cell matched, or nothing did and the default rule applies. */
  decidedBy: v.picklist(['ace', 'default']),
  /** What the switch does with this traffic under that version. */
  effect: v.picklist(['permit', 'deny']),
  defaultRule: Rule,
  contract: v.nullable(v.string()),
  ace: v.nullable(v.object({ position: Count, text: v.string() })),
  cellAces: v.array(v.string()),
  service: v.nullable(v.string()),
  critical: v.boolean(),
  evidence: v.object({
    hits: Count,
    events: Count,
    firstSeen: v.string(),
    lastSeen: v.string(),
    daysSeen: Count,
    observed: v.object({ permitHits: Count, denyHits: Count }),
    srcSamples: v.array(v.string()),
    dstSamples: v.array(v.string()),
  }),
});
export type FlowExplanation = v.InferOutput<typeof FlowExplanation>;

/** What GET /matrix/simulate-deny answers. */
export const DenySimulation = v.object({
  version: Count,
  currentDefault: Rule,
  ratio: v.number(),
  totalHits: Count,
  coveredHits: Count,
  deniedHits: Count,
  uncoveredHits: Count,
  flows: v.object({ total: Count, covered: Count, denied: Count, uncovered: Count }),
  criticalBlockers: Count,
  /** Uncovered flows: critical infrastructure first, then by hits. */
  breaks: v.array(
    v.object({
      flowId: v.string(),
      source: NamedTag,
      destination: NamedTag,
      hits: Count,
      service: v.nullable(v.string()),
      critical: v.boolean(),
    }),
  ),
  limit: Count,
});
export type DenySimulation = v.InferOutput<typeof DenySimulation>;

/** GET /flows/{id}/explain, under /flows. */
export function flowExplainRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/:id/explain', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const id = c.req.param('id');
    const key = parseFlowId(id);
    if (key === null) {
      throw badRequest(
        `flow id ${JSON.stringify(id.slice(0, 64))} is not <sgt>-<dgt>-<protocol>-<srcPort>-<dstPort>`,
      );
    }
    const [found, live, names] = await Promise.all([
      deps.stores.inventory.get(keys.inventory(tenant, id)),
      liveMatrix(deps.stores, tenant),
      sgtNames(deps.stores, tenant),
    ]);
    if (found === null) throw notFound(`flow ${id} is not in the inventory`);
    const f = found.value;
    const [cov] = coverage(live.matrix, [{ ...f, id: f.flowId }]);
    const cell = live.matrix.cells.find((x) => x.sgt === f.sgt && x.dgt === f.dgt) ?? null;
    // As coverage reads the cell: the deciding ACE, or for an uncovered flow a deny that may drop it first.
    const index = cell === null ? -1 : decideFlow(cell.aces, f).index;
    const matched = index === -1 ? undefined : cell?.aces[index];
    const status = cov?.status ?? CoverageStatus.Uncovered;
    const decidedBy = status === CoverageStatus.Uncovered ? 'default' : 'ace';
    const effect: FlowExplanation['effect'] =
      decidedBy === 'ace'
        ? status === CoverageStatus.Permitted
          ? 'permit'
          : 'deny'
        : live.matrix.defaultRule === DefaultRule.PermitIp
          ? 'permit'
          : 'deny';
    return c.json<FlowExplanation>({
      flowId: f.flowId,
      source: { tag: f.sgt, name: sgtName(names, f.sgt) },
      destination: { tag: f.dgt, name: sgtName(names, f.dgt) },
      protocol: f.protocol,
      srcPort: f.srcPort,
      dstPort: f.dstPort,
      version: live.version,
      status,
      decidedBy,
      effect,
      defaultRule: live.matrix.defaultRule,
      contract: cell?.name ?? null,
      ace: matched === undefined ? null : { position: index + 1, text: aceText(matched) },
      cellAces: cell === null ? [] : cell.aces.map((a) => aceText(a)),
      service: cov?.service ?? null,
      critical: cov?.critical ?? false,
      evidence: {
        hits: f.hits,
        events: f.events,
        firstSeen: iso(f.firstSeenMs),
        lastSeen: iso(f.lastSeenMs),
        daysSeen: f.days.length,
        observed: { permitHits: f.permitHits, denyHits: f.denyHits },
        srcSamples: f.srcSamples,
        dstSamples: f.dstSamples,
      },
    });
  });

  return app;
}

/** GET /matrix/simulate-deny, under /matrix. */
export function denySimulationRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/simulate-deny', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, SimulateDenyQuery);
    const [live, flows, names] = await Promise.all([
      liveMatrix(deps.stores, tenant),
      inventory(deps.stores, tenant),
      sgtNames(deps.stores, tenant),
    ]);
    const r = readiness(
      live.matrix,
      flows.map((f) => ({ ...f, id: f.flowId })),
    );
    const named = (b: (typeof r.blockers)[number]) => ({
      flowId: b.flowId,
      source: { tag: b.sgt, name: sgtName(names, b.sgt) },
      destination: { tag: b.dgt, name: sgtName(names, b.dgt) },
      hits: b.hits,
      service: b.service,
      critical: b.critical,
    });
    return c.json<DenySimulation>({
      version: live.version,
      currentDefault: live.matrix.defaultRule,
      ratio: r.ratio,
      totalHits: r.totalHits,
      coveredHits: r.coveredHits,
      deniedHits: r.deniedHits,
      uncoveredHits: r.uncoveredHits,
      flows: r.flows,
      criticalBlockers: r.criticalBlockers,
      /** Critical infrastructure first, then the busiest. */
      breaks: [...r.blockers]
        .sort((a, b) => Number(b.critical) - Number(a.critical) || b.hits - a.hits)
        .slice(0, q.limit)
        .map(named),
      limit: q.limit,
    });
  });

  return app;
}

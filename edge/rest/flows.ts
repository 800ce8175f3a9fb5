/**
 * REST: /api/v1/flows (DESIGN §9). The tenant's flow inventory, each flow with
 * how the live matrix treats it (permitted, denied, or uncovered: left to the
 * default), and `stream`: the tenant's observed deltas live, as SSE. Viewer+.
 *
 * Decisions: `port` matches either port, since SGACLs are stateless and the
 * replies of a service cross the reverse cell with it as their source port.
 * `total` counts every match, `items` holds the first `limit` of them.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { CoverageStatus, coverage } from '../../domain/coverage.ts';
import { normalizeProtocol, parseFlowId } from '../../domain/flow.ts';
import { requireRole } from '../auth.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { flowEventStream } from './flows-stream.ts';
import { inventory, liveMatrix } from './matrix-data.ts';
import { IntParam, TagParam } from './params.ts';
import { queryWith } from './validate.ts';

export const FLOWS_DEFAULT_LIMIT = 200;
export const FLOWS_MAX_LIMIT = 5_000;

/** GET /flows. */
export const FlowsQuery = v.object({
  sgt: v.optional(TagParam),
  dgt: v.optional(TagParam),
  protocol: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^(tcp|udp|icmp|icmpv6|\d{1,3})$/, 'must be tcp, udp, icmp, icmpv6 or a protocol number'),
    ),
  ),
  port: v.optional(IntParam(0, 65535)),
  limit: v.optional(IntParam(1, FLOWS_MAX_LIMIT), String(FLOWS_DEFAULT_LIMIT)),
  sort: v.optional(v.picklist(['hits', 'lastSeen']), 'hits'),
});

/** GET /flows/stream. */
export const FlowStreamQuery = v.object({ sgt: v.optional(TagParam), dgt: v.optional(TagParam) });

export function flowsRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, FlowsQuery);
    const protocol = q.protocol === undefined ? undefined : normalizeProtocol(q.protocol);
    // Filters apply to the flow id (it names the whole key) before any record is read.
    const keep = (id: string): boolean => {
      const f = parseFlowId(id);
      if (f === null) return false;
      return (
        (q.sgt === undefined || f.sgt === q.sgt) &&
        (q.dgt === undefined || f.dgt === q.dgt) &&
        (protocol === undefined || f.protocol === protocol) &&
        (q.port === undefined || f.dstPort === q.port || f.srcPort === q.port)
      );
    };
    const [flows, live] = await Promise.all([
      inventory(deps.stores, tenant, keep),
      liveMatrix(deps.stores, tenant),
    ]);
    flows.sort((a, b) =>
      q.sort === 'lastSeen'
        ? b.lastSeenMs - a.lastSeenMs || b.hits - a.hits
        : b.hits - a.hits || b.lastSeenMs - a.lastSeenMs,
    );
    const page = flows.slice(0, q.limit);
    const covered = coverage(
      live.matrix,
      page.map((f) => ({ ...f, id: f.flowId })),
    );
    return c.json({
      version: live.version,
      total: flows.length,
      limit: q.limit,
      items: page.map((f, i) => {
        const cov = covered[i];
        return {
          ...f,
          coverage: {
            status: cov?.status ?? CoverageStatus.Uncovered,
            covered: cov?.covered ?? false,
            contract: cov?.contract ?? null,
            ace: cov?.ace ?? null,
            service: cov?.service ?? null,
            critical: cov?.critical ?? false,
          },
        };
      }),
    });
  });

  app.get('/stream', requireRole('viewer'), async (c) => {
    const q = queryWith(c, FlowStreamQuery);
    return flowEventStream({
      log: deps.engine.log,
      subject: deps.subjects.flowsObservedAll(tenantOf(c)),
      logger: deps.logger,
      signal: c.req.raw.signal,
      ...(q.sgt === undefined ? {} : { sgt: q.sgt }),
      ...(q.dgt === undefined ? {} : { dgt: q.dgt }),
    });
  });

  return app;
}

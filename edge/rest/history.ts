/**
 * REST: GET /api/v1/metrics/history — a tenant's rollups written by the
 * history actor (actors/history): per window (minute for 48 h, hour for
 * 90 days) the hits by coverage and by tag pair, coverage, readiness and the
 * open proposals. `from`/`to` are epoch ms (default: the last 24 h of hours,
 * or the last 2 h of minutes); points come oldest first.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { type HistoryPoint, keys, type Stores } from '../../kv-schema/mod.ts';
import { requireRole } from '../auth.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { mapParallel } from './matrix-data.ts';
import { queryWith } from './validate.ts';

const Ms = v.pipe(v.string(), v.regex(/^\d{1,15}$/, 'must be epoch milliseconds'), v.transform(Number));

export const HistoryQuery = v.object({
  resolution: v.optional(v.picklist(['minute', 'hour']), 'hour'),
  from: v.optional(Ms),
  to: v.optional(Ms),
});

const SPAN_MS = { minute: 2 * 3_600_000, hour: 24 * 3_600_000 } as const;

/** The points of one resolution with `from <= startMs <= to`, oldest first. */
export async function historyPoints(
  stores: Stores,
  tenant: string,
  resolution: 'minute' | 'hour',
  from: number,
  to: number,
): Promise<HistoryPoint[]> {
  const bucket = resolution === 'minute' ? stores.historyMinute : stores.historyHour;
  const wanted = (await bucket.keys(keys.tenantAll(tenant))).filter((k) => {
    const ms = Number(k.slice(k.lastIndexOf('.') + 1));
    return ms >= from && ms <= to;
  });
  const found = await mapParallel(wanted, (k) => bucket.get(k));
  return found.flatMap((f) => (f === null ? [] : [f.value])).sort((a, b) => a.startMs - b.startMs);
}

export function historyRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/history', requireRole('viewer'), async (c) => {
    const q = queryWith(c, HistoryQuery);
    const to = q.to ?? Date.now();
    const from = q.from ?? to - SPAN_MS[q.resolution];
    const points = await historyPoints(deps.stores, tenantOf(c), q.resolution, from, to);
    return c.json({ resolution: q.resolution, from, to, points });
  });
  return app;
}

/**
 * REST: /api/v1/threat-intel/{ip}. What threat intelligence says about one
 * address: each provider's answer (or why it gave none), whether it came from
 * the cache, and the decision with the rule that made it. Addresses that are
 * not publicly routable are answered `skipped`, without asking anyone.
 *
 * Lookups spend the providers' small free quotas, so the route needs the
 * operator role; the verdicts themselves are public facts, shared by tenants.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { parseIp } from '../../domain/net/mod.ts';
import { requireRole } from '../auth.ts';
import { HttpError } from '../problem.ts';
import type { ApiDeps, ApiEnv } from './deps.ts';
import { pathParam } from './params.ts';
import type { ThreatAssessmentOut } from './threat-schema.ts';

/** An IPv4 or IPv6 address. */
export const IpParam = v.pipe(
  v.string(),
  v.maxLength(64),
  v.check((s) => parseIp(s) !== null, 'must be an IPv4 or IPv6 address'),
);

export { ProviderVerdictOut, ThreatAssessmentOut } from './threat-schema.ts';

export function threatRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:ip', requireRole('operator'), async (c) => {
    const ip = pathParam(c, 'ip', IpParam);
    if (deps.threat === undefined) {
      throw new HttpError(503, 'Service unavailable', 'threat intelligence is not running in this process');
    }
    const assessment: ThreatAssessmentOut = await deps.threat.lookup(ip);
    return c.json(assessment);
  });
  return app;
}

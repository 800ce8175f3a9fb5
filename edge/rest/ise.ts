/**
 * REST: /api/v1/ise, the tenant's Cisco ISE. Reads (viewer+): `status`, the
 * `plan` of a stage (what a push would write; planning writes nothing) and
 * `drift` (what ISE holds that the approved matrix does not say). Writes
 * (admin): `import` ISE's live matrix as an approved version, and `push` a
 * stage of an approved version (monitor → enforce → deny-default).
 *
 * The tenant is the principal's, never the URL's or the body's. A push that
 * failed partway answers 502 with the same members as a 200 report, so a
 * client sees what was written before the failure; errors map as in
 * ise-errors.ts.
 */
import { Hono } from 'hono';
import type { IseSync } from '../../integrations/ise/sync/types.ts';
import { requireRole } from '../auth.ts';
import { problem } from '../problem.ts';
import { actorOf } from './channel.ts';
import { type ApiDeps, type ApiEnv, principalOf, tenantOf } from './deps.ts';
import { notConfigured, orIseProblem } from './ise-errors.ts';
import { IsePlanQuery, IsePushBody } from './ise-schemas.ts';
import { jsonBody, queryWith } from './validate.ts';

const MAX_ERRORS_IN_DETAIL = 3;

export function iseRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const sync = (tenant: string): IseSync => {
    if (deps.ise === undefined) throw notConfigured(tenant);
    return deps.ise;
  };

  app.get('/status', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    if (deps.ise === undefined) return c.json({ tenant, configured: false, monitoring: [] });
    const ise = deps.ise;
    return c.json(await orIseProblem(tenant, () => ise.status(tenant)));
  });

  app.get('/plan', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, IsePlanQuery);
    return c.json(await orIseProblem(tenant, () => sync(tenant).plan(tenant, q.stage, q.version)));
  });

  app.get('/drift', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const drift = await orIseProblem(tenant, () => sync(tenant).drift(tenant));
    return c.json({ tenant, atMs: Date.now(), drift });
  });

  app.post('/import', requireRole('admin'), async (c) => {
    const principal = principalOf(c);
    const actor = actorOf(c, principal);
    const tenant = principal.tenant;
    return c.json(await orIseProblem(tenant, () => sync(tenant).import(tenant, actor.by, actor.channel)));
  });

  app.post('/push', requireRole('admin'), async (c) => {
    const body = await jsonBody(c, IsePushBody);
    const principal = principalOf(c);
    const actor = actorOf(c, principal);
    const tenant = principal.tenant;
    const report = await orIseProblem(tenant, () =>
      sync(tenant).push(tenant, {
        stage: body.stage,
        ...(body.version === undefined ? {} : { version: body.version }),
        ...(body.force === undefined ? {} : { force: body.force }),
        by: actor.by,
        channel: actor.channel,
      }),
    );
    if (report.failed.length === 0) return c.json(report);
    const total = report.applied.length + report.skipped.length + report.failed.length;
    const errors = report.failed
      .slice(0, MAX_ERRORS_IN_DETAIL)
      .map((f) => `${f.operation.id}: ${f.error ?? 'failed'}`)
      .join('; ');
    deps.logger.warn(
      { tenant, stage: report.stage, version: report.version, failed: report.failed.length },
      'ISE push failed partway',
    );
    return problem({
      title: 'ISE push failed partway',
      status: 502,
      detail:
        `${report.failed.length} of ${total} ISE writes failed (${report.applied.length} applied before or ` +
        `beside them); push again once ISE is fixed: what is already right is skipped. ${errors}`,
      code: 'PUSH_FAILED',
      ...report,
    });
  });

  return app;
}

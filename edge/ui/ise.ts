/**
 * ISE `/ui/ise`: the tenant's Cisco ISE link (status, cells soaking in
 * monitor), the plan of each stage (monitor → enforce → deny-default) with
 * its conflicts, warnings and what a deny would drop, and the last drift
 * check (`/ui/ise/drift` compares now). Admins push a stage through a
 * confirmation page showing that stage's plan; deny-default below the
 * readiness setting needs its force box ticked. POSTs pass the same-origin
 * check every dashboard form gets (session.ts). ISE failures are shown with
 * the cause the REST API gives them (rest/ise-errors.ts).
 */
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { IsePlan, IseStage, IseSync } from '../../integrations/ise/sync/types.ts';
import { hasRole } from '../auth.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { iseHttpError, notConfigured } from '../rest/ise-errors.ts';
import { ISE_STAGES } from '../rest/ise-schemas.ts';
import { sgtNames } from './data.ts';
import { driftView, planView, pushView, STAGE_TEXT, statusView } from './ise-view.ts';
import { errorPage, type Html, notice, type PageOptions, page } from './layout.ts';
import { requireUiRole, type UiEnv } from './session.ts';

type Status = NonNullable<PageOptions['status']>;
const STATUSES: readonly Status[] = [400, 403, 404, 409, 500, 502, 503];

/** An ISE failure as a status and a sentence; anything else is rethrown (the app logs it). */
function failure(error: unknown, tenant: string): { status: Status; text: string } {
  const e = iseHttpError(error, tenant);
  if (e === null) throw error;
  return { status: STATUSES.find((s) => s === e.status) ?? 500, text: `${e.title}: ${e.message}` };
}

const stageOf = (c: Context): IseStage | null => {
  const s = c.req.param('stage') ?? '';
  return (ISE_STAGES as readonly string[]).includes(s) ? (s as IseStage) : null;
};

export function iseRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  const title = 'Cisco ISE';
  /** The tenant's sync, or a page saying ISE is not configured. */
  const syncOf = async (c: Context<UiEnv>): Promise<IseSync | Response> => {
    const principal = c.get('principal');
    const sync = deps.ise;
    const configured = sync === undefined ? false : (await sync.status(principal.tenant)).configured;
    if (sync !== undefined && configured) return sync;
    return errorPage(c, 409, 'ISE not configured', notConfigured(principal.tenant).message, principal);
  };

  app.get('/', async (c) => {
    const principal = c.get('principal');
    const tenant = principal.tenant;
    const sync = await syncOf(c);
    if (sync instanceof Response) return sync;
    const names = await sgtNames(deps.stores, tenant);
    const [status, ...plans] = await Promise.all([
      sync.status(tenant),
      ...ISE_STAGES.map((stage) =>
        sync.plan(tenant, stage).then(
          (plan): IsePlan | { error: string } => plan,
          (error: unknown) => ({ error: failure(error, tenant).text }),
        ),
      ),
    ]);
    const admin = hasRole(principal, 'admin');
    const stages = ISE_STAGES.map((stage, i) => {
      const plan = plans[i]!;
      const push =
        admin && !('error' in plan)
          ? html`<p><a class="button${stage === 'deny-default' ? ' danger' : ''}" href="/ui/ise/push/${stage}">Push ${stage}…</a></p>`
          : '';
      return html`<section aria-labelledby="stage-${stage}"><h2 id="stage-${stage}">${STAGE_TEXT[stage]}</h2>
${'error' in plan ? notice('error', plan.error) : planView(plan, names)}${push}</section>`;
    });
    const body = html`<section aria-labelledby="ise-status"><h2 id="ise-status">Status</h2>${statusView(status, names)}</section>
${stages}`;
    return page(c, { title, active: '/ui/ise', principal }, body);
  });

  app.get('/drift', async (c) => {
    const principal = c.get('principal');
    const sync = await syncOf(c);
    if (sync instanceof Response) return sync;
    let view: Html;
    let status: Status = 200;
    try {
      const drift = await sync.drift(principal.tenant);
      view = driftView(drift, await sgtNames(deps.stores, principal.tenant), Date.now());
    } catch (error) {
      const f = failure(error, principal.tenant);
      view = notice('error', f.text);
      status = f.status;
    }
    const body = html`<p><a href="/ui/ise">← Cisco ISE</a></p>${view}`;
    return page(c, { title: 'ISE drift', active: '/ui/ise', principal, status }, body);
  });

  const confirm = async (c: Context<UiEnv>, sync: IseSync, stage: IseStage) => {
    const principal = c.get('principal');
    let plan: IsePlan;
    try {
      plan = await sync.plan(principal.tenant, stage);
    } catch (error) {
      const f = failure(error, principal.tenant);
      return errorPage(c, f.status, 'Cannot plan', f.text, principal);
    }
    const below = plan.readiness !== undefined && plan.readiness.ratio < plan.readiness.required;
    const force = below
      ? html`<div class="field"><input type="checkbox" id="force" name="force" value="yes">
<label for="force">Force: push below the readiness setting (recorded as forced)</label></div>`
      : '';
    const body = html`<p>${STAGE_TEXT[stage]}. This writes to ISE: the changes reach the switches at ISE's next push or their policy refresh.</p>
${planView(plan, await sgtNames(deps.stores, principal.tenant))}
<form method="post" action="/ui/ise/push/${stage}" class="panel">${force}
<input type="hidden" name="version" value="${plan.version}">
<div class="actions"><button type="submit" class="${stage === 'deny-default' ? 'danger' : ''}">Confirm: push ${stage} of version ${plan.version}</button>
<a href="/ui/ise">Cancel</a></div></form>`;
    return page(c, { title: `Push ${stage} to ISE?`, active: '/ui/ise', principal }, body);
  };

  app.get('/push/:stage', requireUiRole('admin'), async (c) => {
    const stage = stageOf(c);
    if (stage === null) return errorPage(c, 404, 'Not found', 'No such stage.', c.get('principal'));
    const sync = await syncOf(c);
    if (sync instanceof Response) return sync;
    return confirm(c, sync, stage);
  });

  app.post('/push/:stage', requireUiRole('admin'), async (c) => {
    const principal = c.get('principal');
    const stage = stageOf(c);
    if (stage === null) return errorPage(c, 404, 'Not found', 'No such stage.', principal);
    const sync = await syncOf(c);
    if (sync instanceof Response) return sync;
    const form = await c.req.parseBody();
    // The version the confirmation page showed: a newer approval since is not pushed unseen.
    const version =
      typeof form.version === 'string' && /^\d{1,10}$/.test(form.version) ? Number(form.version) : undefined;
    try {
      const report = await sync.push(principal.tenant, {
        stage,
        ...(version === undefined || version === 0 ? {} : { version }),
        ...(form.force === 'yes' ? { force: true } : {}),
        by: principal.subject,
        channel: 'ui',
      });
      const body = html`<p><a href="/ui/ise">← Cisco ISE</a></p>${pushView(report, await sgtNames(deps.stores, principal.tenant))}`;
      const status = report.failed.length > 0 ? 502 : 200;
      return page(c, { title: `Pushed ${stage}`, active: '/ui/ise', principal, status }, body);
    } catch (error) {
      const f = failure(error, principal.tenant);
      return errorPage(c, f.status, 'Not pushed', f.text, principal);
    }
  });

  return app;
}

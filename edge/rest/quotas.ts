/**
 * REST: the operator's side of the tenant quotas (docs/cluster.md, "Tenant quotas").
 *
 *   GET  /api/v1/quotas               the caller's tenant: its quotas and what it uses of them
 *   POST /api/v1/quotas/flows/redrive  replay the deltas the flows quota refused (admin; audited)
 *
 * Usage is shown only where it is cheap to read and means what it says: the tenant's counted
 * flows (the count the aggregator holds it to, which errs high), its open proposals, the flows
 * the open-proposals quota holds back, and the refused deltas a redrive would send. Lines per
 * second and LLM calls per hour are token buckets leased in blocks by every replica: a reading
 * of one says how full the bucket is at that instant, not what the tenant used, so they are
 * given as quotas only. What each quota held back is in `scopilot_quota_throttled_total`.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { FlowQuota } from '../../actors/aggregator/flow-quota.ts';
import { flowQuotaWaiting, redriveFlowQuota } from '../../actors/aggregator/redrive.ts';
import { quotasOf } from '../../config/quotas.ts';
import { isOpen } from '../../domain/proposal.ts';
import { keys } from '../../kv-schema/mod.ts';
import { AuditRecord, checked, encodeMessage } from '../../streams/mod.ts';
import { requireRole } from '../auth.ts';
import { actorOf } from './channel.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { mapParallel } from './matrix-data.ts';

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** How many refused deltas are read to count those waiting: beyond it the answer says "more". */
export const WAITING_READ_MAX = 1_000;

export const QuotasOut = v.object({
  tenant: v.string(),
  /** The tenant's quotas (its entry in SCOPILOT_QUOTAS__TENANTS, else the defaults); 0 = no limit. */
  quotas: v.object({
    linesPerSecond: Count,
    flows: Count,
    openProposals: Count,
    llmCallsPerHour: Count,
  }),
  usage: v.object({
    /** Distinct flows counted against the flows quota (`count.<t>.flows`; may run a little high). */
    flows: Count,
    /** Proposals pending or notified, manual ones included. */
    openProposals: Count,
    /** Classified flows held back by the open-proposals quota, proposed once there is room. */
    heldFlows: Count,
    /** New flows refused by the flows quota and not yet redriven (dead letters past the cursor). */
    refusedFlows: Count,
    /** True when more dead letters were waiting than were read to count `refusedFlows`. */
    refusedFlowsMore: v.boolean(),
  }),
});
export type QuotasView = v.InferOutput<typeof QuotasOut>;

export const RedriveOut = v.object({
  tenant: v.string(),
  /** Refused deltas published again; the aggregator takes them under the quota now in force. */
  sent: Count,
  /** The aggregator's dead letters for another reason, read and left alone. */
  other: Count,
});
export type RedriveView = v.InferOutput<typeof RedriveOut>;

async function openProposals(deps: ApiDeps, tenant: string): Promise<number> {
  const found = await mapParallel(await deps.stores.proposals.keys(keys.tenantAll(tenant)), (k) =>
    deps.stores.proposals.get(k),
  );
  return found.filter((f) => f !== null && isOpen(f.value.status)).length;
}

export async function quotasView(deps: ApiDeps, tenant: string): Promise<QuotasView> {
  const quotas = quotasOf(deps.config.quotas, tenant);
  const [flows, open, held, waiting] = await Promise.all([
    new FlowQuota(deps.stores, { quotas: deps.config.quotas }).count(tenant),
    openProposals(deps, tenant),
    deps.stores.openProposals.keys(keys.heldFlowsAll(tenant)),
    flowQuotaWaiting(deps.engine.log, deps.stores, deps.ns, tenant, WAITING_READ_MAX),
  ]);
  return {
    tenant,
    quotas,
    usage: {
      flows,
      openProposals: open,
      heldFlows: held.length,
      refusedFlows: waiting.waiting,
      refusedFlowsMore: waiting.more,
    },
  };
}

export function quotasRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', requireRole('viewer'), async (c) => c.json(await quotasView(deps, tenantOf(c))));

  // Replays into the aggregator of this deployment: a raised quota must be in force in the
  // engine role first (it reads SCOPILOT_QUOTAS__* at start), or the deltas are refused again.
  app.post('/flows/redrive', requireRole('admin'), async (c) => {
    const tenant = tenantOf(c);
    const actor = actorOf(c);
    const nowMs = Date.now();
    const report = await redriveFlowQuota(deps.engine.log, deps.stores, deps.ns, tenant, nowMs);
    const id = `audit:${tenant}:quota.flows.redrive:${nowMs}:${crypto.randomUUID()}`;
    const data = checked(AuditRecord, {
      action: 'quota.flows.redrive',
      object: `${tenant}.flows`,
      channel: actor.channel,
      detail: { sent: report.sent, other: report.other },
    });
    await deps.engine.log.publish(
      deps.subjects.audit(tenant),
      encodeMessage({ id, tenant, at: new Date(nowMs).toISOString(), by: actor.by, data }),
      { msgId: id },
    );
    deps.logger.info({ tenant, by: actor.by, ...report }, 'flows quota redriven');
    return c.json({ tenant, ...report } satisfies RedriveView);
  });
  return app;
}

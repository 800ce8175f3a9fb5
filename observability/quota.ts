/**
 * Tenant quotas: what each tenant had held back (`throttled`: waiting, answered 429, parked as a
 * dead letter) and what was lost for good (`shed`: UDP syslog past a full queue), in the
 * quota's unit. One definition for every quota (lines, flows, open proposals, LLM calls), so
 * every role reports into the same two counters.
 */
import { Counter, type Registry } from 'prom-client';
import type { QuotaMetrics } from '../config/quotas.ts';

export function registerQuotaMetrics(registry: Registry): QuotaMetrics {
  const labelNames = ['tenant', 'quota'] as const;
  const throttled = new Counter({
    name: 'scopilot_quota_throttled_total',
    help: "Work held back or refused because its tenant was over a quota, in the quota's unit (lines, flows, proposals, calls).",
    labelNames,
    registers: [registry],
  });
  const shed = new Counter({
    name: 'scopilot_quota_shed_total',
    help: 'Lines lost because their tenant was over its quota and nothing could hold them back (UDP syslog past a full per-tenant queue).',
    labelNames,
    registers: [registry],
  });
  return {
    throttled: (tenant, quota, amount) => {
      if (amount > 0) throttled.inc({ tenant, quota }, amount);
    },
    shed: (tenant, quota, amount) => {
      if (amount > 0) shed.inc({ tenant, quota }, amount);
    },
  };
}

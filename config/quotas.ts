/**
 * The quotas that apply to one tenant: the defaults of `SCOPILOT_QUOTAS__*`,
 * replaced field by field by the tenant's entry in `SCOPILOT_QUOTAS__TENANTS`.
 * 0 means no limit.
 */
import type { Config } from './schema.ts';

export interface Quotas {
  linesPerSecond: number;
  flows: number;
  openProposals: number;
  llmCallsPerHour: number;
}

export const QuotaName = {
  Lines: 'lines',
  Flows: 'flows',
  OpenProposals: 'open-proposals',
  LlmCalls: 'llm-calls',
  /** Requests per minute of one API caller (`SCOPILOT_API__REQUESTS_PER_MINUTE`), counted under its tenant. */
  ApiRequests: 'api-requests',
} as const;
export type QuotaName = (typeof QuotaName)[keyof typeof QuotaName];

export type QuotaSettings = Config['quotas'];

export function quotasOf(settings: QuotaSettings, tenant: string): Quotas {
  const own = settings.tenants.find((t) => t.tenant === tenant);
  return {
    linesPerSecond: own?.linesPerSecond ?? settings.linesPerSecond,
    flows: own?.flows ?? settings.flows,
    openProposals: own?.openProposals ?? settings.openProposals,
    llmCallsPerHour: own?.llmCallsPerHour ?? settings.llmCallsPerHour,
  };
}

/**
 * Where a quota reports what it held back, so actors and routes never import a registry: the
 * process's `Metrics.quota` implements it (`scopilot_quota_throttled_total` and
 * `scopilot_quota_shed_total`, labels {tenant, quota}). Amounts are in the quota's unit: lines,
 * flows, proposals, calls.
 */
export interface QuotaMetrics {
  /** Held back or refused for now: the work waits, is retried by its sender, or is dead-lettered. */
  throttled(tenant: string, quota: QuotaName, amount: number): void;
  /** Lost for good (UDP syslog past a full per-tenant queue): nothing could hold it back. */
  shed(tenant: string, quota: QuotaName, amount: number): void;
}

/** For code run without a registry (tests, the CLI's one-shot commands). */
export const noQuotaMetrics: QuotaMetrics = { throttled: () => {}, shed: () => {} };

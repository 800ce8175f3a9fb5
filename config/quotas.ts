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

/**
 * Public surface of integrations/threat-intel/: build the service with
 * `createThreatIntel(config.threat, { stores, logger })`, then
 * `lookup(ip)` → ThreatAssessment and `describeProviders()` for health.
 */

export { toThreatVerdicts } from '../../domain/threat/decision.ts';
export {
  NoAnswerReason,
  ProviderOutcome,
  type ProviderVerdict,
  SkipReason,
  type ThreatAssessment,
} from '../../domain/threat/types.ts';
export { ABUSEIPDB_DEFAULT_BASE_URL, ABUSEIPDB_LIMITS, createAbuseIpDbProvider } from './abuseipdb.ts';
export { type BlocklistProvider, type BlocklistSummary, createBlocklistProvider } from './blocklists.ts';
export { type CachedVerdict, kvVerdictCache, memoryVerdictCache, type VerdictCache } from './cache.ts';
export { createThreatIntel, type ThreatIntelDeps, type ThreatSettings } from './factory.ts';
export { createOtxProvider, OTX_DEFAULT_BASE_URL, OTX_LIMITS } from './otx.ts';
export {
  DAY_MS,
  MINUTE_MS,
  ProviderLimiter,
  type RateLimit,
  retryAfterMs,
  TokenBucket,
} from './rate-limit.ts';
export { type CacheTtls, type ProviderStatus, ThreatIntel, type ThreatIntelOptions } from './service.ts';
export { createTalosProvider, TALOS_DEFAULT_BASE_URL, TALOS_LIMITS } from './talos.ts';
export type { ProviderAnswer, ThreatProvider } from './types.ts';
export { createVirusTotalProvider, VIRUSTOTAL_DEFAULT_BASE_URL, VIRUSTOTAL_LIMITS } from './virustotal.ts';

/**
 * Builds the threat-intel service from the `threat` settings (DESIGN §10):
 * a provider for every API with a key, Talos only when enabled, the offline
 * blocklists when a directory is set. With none of them the service still
 * works and simply has no opinion (every assessment is clean with an empty
 * trail), so the threat role can run on a laptop without keys.
 */
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../engine/log.ts';
import type { Stores } from '../../kv-schema/stores.ts';
import { createAbuseIpDbProvider } from './abuseipdb.ts';
import { createBlocklistProvider } from './blocklists.ts';
import { kvVerdictCache, memoryVerdictCache, type VerdictCache } from './cache.ts';
import { createOtxProvider } from './otx.ts';
import type { RateLimit } from './rate-limit.ts';
import { type SharedLimits, ThreatIntel } from './service.ts';
import { createTalosProvider } from './talos.ts';
import type { ThreatProvider } from './types.ts';
import { createVirusTotalProvider } from './virustotal.ts';

export type ThreatSettings = Config['threat'];

export interface ThreatIntelDeps {
  /** Where verdicts are cached: `stores.threat` (KV). Without it, and without `cache`, a process-local Map. */
  stores?: Pick<Stores, 'threat'>;
  cache?: VerdictCache;
  nowMs?: () => number;
  logger?: Logger;
  /** Override a provider's rate limits by name (tests, or a paid plan). */
  limits?: Readonly<Record<string, readonly RateLimit[]>>;
  /** How often the blocklist directory is checked for changed files. */
  blocklistRefreshMs?: number;
  /** Extra providers, e.g. a site-specific source. */
  extraProviders?: readonly ThreatProvider[];
  /** Limits shared by every replica (kv-schema's SharedRateLimiter over the state bucket). */
  shared?: SharedLimits;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export async function createThreatIntel(s: ThreatSettings, deps: ThreatIntelDeps = {}): Promise<ThreatIntel> {
  const nowMs = deps.nowMs ?? Date.now;
  const configured = (name: string): RateLimit[] | undefined =>
    s.rateLimits[name as keyof typeof s.rateLimits]?.map((l) => ({
      count: l.count,
      perMs: l.perSeconds * 1_000,
    }));
  const common = (name: string) => {
    const limits = deps.limits?.[name] ?? configured(name);
    return { nowMs, ...(limits ? { limits } : {}) };
  };
  const providers: ThreatProvider[] = [];
  if (s.abuseipdbApiKey !== undefined) {
    providers.push(
      createAbuseIpDbProvider({
        apiKey: s.abuseipdbApiKey,
        baseUrl: s.abuseipdbBaseUrl,
        ...common('abuseipdb'),
      }),
    );
  }
  if (s.otxApiKey !== undefined) {
    providers.push(createOtxProvider({ apiKey: s.otxApiKey, baseUrl: s.otxBaseUrl, ...common('otx') }));
  }
  if (s.virustotalApiKey !== undefined) {
    providers.push(
      createVirusTotalProvider({
        apiKey: s.virustotalApiKey,
        baseUrl: s.virustotalBaseUrl,
        ...common('virustotal'),
      }),
    );
  }
  if (s.talosEnabled) providers.push(createTalosProvider({ baseUrl: s.talosBaseUrl, ...common('talos') }));
  if (s.blocklistDir !== undefined) {
    providers.push(
      await createBlocklistProvider({
        dir: s.blocklistDir,
        nowMs,
        ...(deps.logger ? { logger: deps.logger } : {}),
        ...(deps.blocklistRefreshMs === undefined ? {} : { refreshMs: deps.blocklistRefreshMs }),
      }),
    );
  }
  providers.push(...(deps.extraProviders ?? []));
  const cache = deps.cache ?? (deps.stores ? kvVerdictCache(deps.stores) : memoryVerdictCache());
  deps.logger?.info({ providers: providers.map((p) => p.name) }, 'threat intel providers');
  return new ThreatIntel({
    providers,
    cache,
    scoreThreshold: s.scoreThreshold,
    ttl: {
      maliciousMs: s.cacheMaliciousHours * HOUR_MS,
      cleanMs: s.cacheCleanHours * HOUR_MS,
      noAnswerMs: s.cacheNoAnswerMinutes * MINUTE_MS,
    },
    timeoutMs: s.timeoutMs,
    nowMs,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.shared ? { shared: deps.shared } : {}),
  });
}

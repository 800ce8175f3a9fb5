/**
 * What every REST route gets: the engine and stores (already scoped by
 * namespace), settings, and the request's principal. Routes read the tenant
 * from the principal only, never from the URL or the body.
 */
import type { Context } from 'hono';
import type { IngestMetrics } from '../../actors/tail/ingest.ts';
import type { Config } from '../../config/mod.ts';
import type { QuotaMetrics } from '../../config/quotas.ts';
import type { Logger } from '../../engine/log.ts';
import type { Engine } from '../../engine/types.ts';
import type { IseSync } from '../../integrations/ise/sync/types.ts';
import type { Stores } from '../../kv-schema/mod.ts';
import type { Namespace, Subjects } from '../../streams/mod.ts';
import type { AuthVariables, Principal } from '../auth.ts';
import type { ThreatAssessmentOut } from './threat-schema.ts';

export interface ApiDeps {
  engine: Engine;
  stores: Stores;
  ns: Namespace;
  subjects: Subjects;
  config: Config;
  logger: Logger;
  /** Where ingestion through the API reports what it read. */
  ingestMetrics?: IngestMetrics;
  /** Where tenant quotas report what they held back (`scopilot_quota_*`). */
  quotaMetrics?: QuotaMetrics;
  /** Threat intelligence lookups, where this process has it. */
  threat?: { lookup(ip: string): Promise<ThreatAssessmentOut> };
  /** Cisco ISE sync for the tenants that have ISE settings; absent when none has. */
  ise?: IseSync;
}

export type ApiEnv = { Variables: AuthVariables };

export const principalOf = (c: Context<ApiEnv>): Principal => c.get('principal');
export const tenantOf = (c: Context<ApiEnv>): string => c.get('principal').tenant;

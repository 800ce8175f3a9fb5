/**
 * What the ISE sync is built from: which ISE each tenant uses (one client
 * for all, or one per tenant), the engine and stores it reads and writes,
 * and the settings that gate the stages. Per-tenant settings override the
 * shared ones (SCOPILOT_ISE__TENANTS may set a tenant's own soak and
 * readiness).
 */
import type { Engine, EventLog } from '../../../engine/types.ts';
import type { Stores } from '../../../kv-schema/stores.ts';
import type { Namespace } from '../../../streams/namespace.ts';
import type { Subjects } from '../../../streams/subjects.ts';
import type { IseErsApi } from '../types.ts';

export interface IseSyncSettings {
  /** How long a pushed cell stays in MONITOR before `enforce` may promote it (0 allowed). */
  monitorSoakMs: number;
  /** `deny-default` is refused below this readiness (0–1) unless forced. */
  denyDefaultMinReadiness: number;
}

export const DEFAULT_ISE_SYNC_SETTINGS: IseSyncSettings = {
  monitorSoakMs: 24 * 60 * 60 * 1000,
  denyDefaultMinReadiness: 0.99,
};

export interface IseSyncOptions {
  /** One ISE for every tenant. */
  client?: IseErsApi;
  /** Or each tenant's own; null or undefined: that tenant has no ISE (NOT_CONFIGURED). */
  clientFor?: (tenant: string) => IseErsApi | null | undefined;
  /** ISE's address as status() shows it (never credentials). */
  urlFor?: (tenant: string) => string | undefined;
  /** Its KV holds the sync state bucket; its log gets audit, matrix and drift events. */
  engine: Engine;
  /** Default: the production namespace. */
  ns?: Namespace;
  /** Default: opened from `engine` in `ns`. */
  stores?: Stores;
  /** Default: subjects of `ns`. */
  subjects?: Subjects;
  /** Default: `engine.log`. */
  log?: EventLog;
  settings?: Partial<IseSyncSettings>;
  /** A tenant's own settings, over `settings`. */
  settingsFor?: (tenant: string) => Partial<IseSyncSettings> | undefined;
  now?: () => number;
}

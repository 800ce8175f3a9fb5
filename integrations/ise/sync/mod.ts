/**
 * Public surface of integrations/ise/sync/: `createIseSync` and the port it
 * implements (`IseSync`: import, plan, push, drift, status), its plain-data
 * shapes, its settings and its named error.
 */
import type { IseSyncOptions } from './options.ts';
import { IseSyncService } from './service.ts';

export { IseSyncError, IseSyncErrorCode, isIseSyncError } from './errors.ts';
export { DEFAULT_ISE_SYNC_SETTINGS, type IseSyncOptions, type IseSyncSettings } from './options.ts';
export { type DriftCheck, IseSyncService } from './service.ts';
export * from './types.ts';

/** The ISE sync over the tenant's ERS client(s), the engine and the stores. */
export const createIseSync = (options: IseSyncOptions): IseSyncService => new IseSyncService(options);

/**
 * IseSyncService: the `IseSync` port over an ERS client and the stores.
 * It resolves the tenant's ISE and settings, then hands over to the parts
 * that do the work (import, plan, push, drift).
 */

import type { IseErsApi } from '../types.ts';
import { IseSyncError, IseSyncErrorCode } from './errors.ts';
import { DEFAULT_ISE_SYNC_SETTINGS, type IseSyncOptions, type IseSyncSettings } from './options.ts';
import type {
  IseDrift,
  IseImportReport,
  IsePlan,
  IsePushReport,
  IsePushRequest,
  IseStage,
  IseStatus,
  IseSync,
} from './types.ts';

const unfinished = (what: string): IseSyncError =>
  new IseSyncError(IseSyncErrorCode.NotImplemented, `ISE ${what} is not available yet`);

export class IseSyncService implements IseSync {
  readonly #o: IseSyncOptions;

  constructor(options: IseSyncOptions) {
    if (options.client === undefined && options.clientFor === undefined) {
      throw new TypeError('createIseSync needs `client` or `clientFor`');
    }
    this.#o = options;
  }

  /** The tenant's ISE client, or NOT_CONFIGURED. */
  clientOf(tenant: string): IseErsApi {
    const client = this.#o.clientFor ? this.#o.clientFor(tenant) : this.#o.client;
    if (client === null || client === undefined) {
      throw new IseSyncError(IseSyncErrorCode.NotConfigured, `tenant ${tenant} has no ISE configured`);
    }
    return client;
  }

  configured(tenant: string): boolean {
    const client = this.#o.clientFor ? this.#o.clientFor(tenant) : this.#o.client;
    return client !== null && client !== undefined;
  }

  settingsOf(tenant: string): IseSyncSettings {
    return { ...DEFAULT_ISE_SYNC_SETTINGS, ...this.#o.settings, ...this.#o.settingsFor?.(tenant) };
  }

  async import(tenant: string, _by: string, _channel: string): Promise<IseImportReport> {
    this.clientOf(tenant);
    throw unfinished('import');
  }

  async plan(tenant: string, _stage: IseStage, _version?: number): Promise<IsePlan> {
    this.clientOf(tenant);
    throw unfinished('plan');
  }

  async push(tenant: string, _request: IsePushRequest): Promise<IsePushReport> {
    this.clientOf(tenant);
    throw unfinished('push');
  }

  async drift(tenant: string): Promise<IseDrift[]> {
    this.clientOf(tenant);
    throw unfinished('drift');
  }

  async status(tenant: string): Promise<IseStatus> {
    const url = this.#o.urlFor?.(tenant);
    return {
      tenant,
      configured: this.configured(tenant),
      ...(url === undefined ? {} : { url }),
      monitoring: [],
    };
  }
}

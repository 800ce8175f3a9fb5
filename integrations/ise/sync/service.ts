/**
 * IseSyncService: the `IseSync` port over an ERS client and the stores. It
 * resolves the tenant's ISE and settings, reads what a plan is made from,
 * and hands over to the parts that do the work (importer, planner, push,
 * drift). ISE failures surface as `IseError`; the sync's own refusals as
 * `IseSyncError`. Reading ISE comes before any write, so wrong credentials,
 * an untrusted certificate or an unreachable ISE write nothing.
 */
import { sgtDisplayName } from '../../../domain/contract-names.ts';
import { planSync } from '../../../domain/ise/plan.ts';
import type { PlanDetail } from '../../../domain/ise/plan-input.ts';
import { pairKey } from '../../../domain/ise/types.ts';
import { type IseView, indexSnapshot } from '../../../domain/ise/view.ts';
import { type IsePushMark, openIseSyncStores, openStores } from '../../../kv-schema/mod.ts';
import { DEFAULT_NAMESPACE } from '../../../streams/namespace.ts';
import { subjectsFor } from '../../../streams/subjects.ts';
import type { IseErsApi } from '../types.ts';
import type { SyncContext } from './context.ts';
import { namesWithIse, runDrift } from './drift.ts';
import { IseSyncError, IseSyncErrorCode } from './errors.ts';
import { runImport } from './importer.ts';
import { type ApprovedVersion, approvedVersion, inventoryFlows, tagNames } from './inputs.ts';
import { DEFAULT_ISE_SYNC_SETTINGS, type IseSyncOptions, type IseSyncSettings } from './options.ts';
import { applyPlan } from './push.ts';
import { PushRun } from './push-run.ts';
import { recordPush } from './record.ts';
import { type LoadedState, SyncStateStore } from './state.ts';
import {
  type IseDrift,
  type IseImportReport,
  type IsePlan,
  type IsePushReport,
  type IsePushRequest,
  IseStage,
  type IseStatus,
  type IseSync,
} from './types.ts';

interface Planned {
  detail: PlanDetail;
  view: IseView;
  loaded: LoadedState;
  approved: ApprovedVersion;
}

export interface DriftCheck {
  tenant: string;
  drifts?: number;
  error?: string;
}

export class IseSyncService implements IseSync {
  readonly #o: IseSyncOptions;
  readonly #now: () => number;
  readonly #holder = `ise-sync:${crypto.randomUUID()}`;
  #ctx: Promise<SyncContext> | null = null;
  #pushes = 0;

  constructor(options: IseSyncOptions) {
    if (options.client === undefined && options.clientFor === undefined) {
      throw new TypeError('createIseSync needs `client` or `clientFor`');
    }
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #client(tenant: string): IseErsApi | null {
    return (this.#o.clientFor ? this.#o.clientFor(tenant) : this.#o.client) ?? null;
  }

  /** The tenant's ISE client, or NOT_CONFIGURED. */
  clientOf(tenant: string): IseErsApi {
    const client = this.#client(tenant);
    if (client === null) {
      throw new IseSyncError(IseSyncErrorCode.NotConfigured, `tenant ${tenant} has no ISE configured`);
    }
    return client;
  }

  configured(tenant: string): boolean {
    return this.#client(tenant) !== null;
  }

  settingsOf(tenant: string): IseSyncSettings {
    return { ...DEFAULT_ISE_SYNC_SETTINGS, ...this.#o.settings, ...this.#o.settingsFor?.(tenant) };
  }

  #context(): Promise<SyncContext> {
    this.#ctx ??= (async () => {
      const ns = this.#o.ns ?? DEFAULT_NAMESPACE;
      const stores = this.#o.stores ?? (await openStores(this.#o.engine, ns));
      const state = new SyncStateStore(await openIseSyncStores(this.#o.engine, ns));
      return {
        stores,
        state,
        log: this.#o.log ?? this.#o.engine.log,
        subjects: this.#o.subjects ?? subjectsFor(ns),
        now: this.#now,
      };
    })().catch((error: unknown) => {
      this.#ctx = null;
      throw error;
    });
    return this.#ctx;
  }

  /** Holds the push lock too: an import and a push of one tenant never interleave. */
  async import(tenant: string, by: string, channel: string): Promise<IseImportReport> {
    const client = this.clientOf(tenant);
    const ctx = await this.#context();
    const release = await ctx.state.lock(tenant, `${this.#holder}:${++this.#pushes}`, by, this.#now());
    try {
      return await runImport(ctx, client, tenant, by, channel);
    } finally {
      await release();
    }
  }

  async #plan(ctx: SyncContext, client: IseErsApi, tenant: string, stage: IseStage, version?: number) {
    if (!(Object.values(IseStage) as string[]).includes(stage)) {
      throw new TypeError(`unknown ISE stage ${JSON.stringify(stage)}`);
    }
    const approved = await approvedVersion(ctx.stores, tenant, version);
    const snapshot = await client.snapshot();
    const view = indexSnapshot(snapshot);
    const [loaded, flows, names] = await Promise.all([
      ctx.state.load(tenant),
      inventoryFlows(ctx.stores, tenant),
      namesWithIse(ctx, tenant, view),
    ]);
    const detail = planSync({
      tenant,
      stage,
      version: approved.version,
      matrix: approved.matrix,
      view,
      state: loaded,
      flows,
      settings: this.settingsOf(tenant),
      nowMs: this.#now(),
      names,
    });
    return { detail, view, loaded, approved } satisfies Planned;
  }

  async plan(tenant: string, stage: IseStage, version?: number): Promise<IsePlan> {
    const client = this.clientOf(tenant);
    return (await this.#plan(await this.#context(), client, tenant, stage, version)).detail.plan;
  }

  async push(tenant: string, request: IsePushRequest): Promise<IsePushReport> {
    const client = this.clientOf(tenant);
    const ctx = await this.#context();
    const release = await ctx.state.lock(
      tenant,
      `${this.#holder}:${++this.#pushes}`,
      request.by,
      this.#now(),
    );
    try {
      const { detail, view, loaded, approved } = await this.#plan(
        ctx,
        client,
        tenant,
        request.stage,
        request.version,
      );
      const r = detail.plan.readiness;
      if (
        request.stage === IseStage.DenyDefault &&
        r !== undefined &&
        r.ratio < r.required &&
        request.force !== true
      ) {
        await recordPush.refused(ctx, tenant, request, approved.version, r);
        throw new IseSyncError(
          IseSyncErrorCode.NotReady,
          `readiness ${(r.ratio * 100).toFixed(1)}% is below the required ${(r.required * 100).toFixed(1)}%: ` +
            'the deny default would drop traffic no contract permits yet (force to push anyway)',
          { ratio: r.ratio, required: r.required, version: approved.version },
        );
      }
      const want = new Map(approved.matrix.cells.map((c) => [pairKey(c.sgt, c.dgt), c]));
      const run = new PushRun({
        ctx,
        client,
        tenant,
        version: approved.version,
        stage: request.stage,
        by: request.by,
        view,
        loaded,
        want,
      });
      const report = await applyPlan(ctx, run, detail, request.by);
      report.conflicts.unshift(...detail.plan.conflicts);
      await recordPush.done(ctx, tenant, request, report, { run, want, plan: detail.plan });
      return report;
    } finally {
      await release();
    }
  }

  async drift(tenant: string): Promise<IseDrift[]> {
    const client = this.clientOf(tenant);
    return runDrift(await this.#context(), client, tenant);
  }

  /** One drift check per configured tenant, for the scheduler's timer; a tenant's failure is reported, not thrown. */
  async checkDrift(tenants: readonly string[]): Promise<DriftCheck[]> {
    const out: DriftCheck[] = [];
    for (const tenant of tenants) {
      if (!this.configured(tenant)) continue;
      try {
        out.push({ tenant, drifts: (await this.drift(tenant)).length });
      } catch (error) {
        out.push({ tenant, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return out;
  }

  async recentPushes(tenant: string): Promise<IsePushMark[]> {
    return (await (await this.#context()).state.summary(tenant)).recentPushes ?? [];
  }

  async status(tenant: string): Promise<IseStatus> {
    const url = this.#o.urlFor?.(tenant);
    const ctx = await this.#context();
    const loaded = await ctx.state.load(tenant);
    const names = await tagNames(ctx.stores, tenant);
    const soak = this.settingsOf(tenant).monitorSoakMs;
    const s = loaded.summary;
    return {
      tenant,
      configured: this.configured(tenant),
      ...(url === undefined ? {} : { url }),
      ...(s.lastImport === undefined
        ? {}
        : { lastImport: { atMs: s.lastImport.atMs, version: s.lastImport.version, by: s.lastImport.by } }),
      ...(s.lastPush === undefined ? {} : { lastPush: s.lastPush }),
      ...(s.lastDrift === undefined
        ? {}
        : { lastDrift: { atMs: s.lastDrift.atMs, count: s.lastDrift.count } }),
      monitoring: [...loaded.cells.values()]
        .filter((c) => c.createdByUs && c.status === 'MONITOR' && c.monitorSinceMs !== undefined)
        .sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt)
        .map((c) => ({
          cell: {
            sgt: c.sgt,
            dgt: c.dgt,
            srcName: sgtDisplayName(c.sgt, names),
            dstName: sgtDisplayName(c.dgt, names),
          },
          sinceMs: c.monitorSinceMs as number,
          enforceableAtMs: (c.monitorSinceMs as number) + soak,
        })),
    };
  }
}

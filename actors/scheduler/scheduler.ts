/**
 * The scheduler: a singleton (whoever holds the `scheduler` lease) that, every
 * SCOPILOT_SCHED__SCAN_INTERVAL_MINUTES, for each tenant
 *   - expires overdue proposals (CAS, like any decision),
 *   - marks proposals the live matrix contradicts (a keeper that died between
 *     a rollback's pointer move and its marks) rolled back or applied again,
 *   - notes when watching the tenant began (its earliest traffic), and
 *   - re-scans the inventory against the live matrix and reports flows it does
 *     not cover as unknown (once per flow and matrix generation — a rollback
 *     starts a new one: the msgId dedupes, and the proposer recognises flows
 *     it has already asked about). Incrementally: only the tag pairs written
 *     since the last tick, unless the live matrix changed since (then every
 *     flow); the inventory is read in full only on a tenant's first tick or
 *     after the watch behind it broke (inventory-view.ts),
 *   - records a readiness snapshot: how much of today's traffic would survive
 *     a `deny ip` default,
 *   - brings open proposals' evidence up to date with the inventory
 *     (evidence.ts).
 */

import type * as v from 'valibot';
import { CoverageStatus, coverage, readiness } from '../../domain/coverage.ts';
import type { Matrix } from '../../domain/matrix.ts';
import { INITIAL_MATRIX } from '../../domain/matrix-version.ts';
import { isOpen, type Proposal, transition } from '../../domain/proposal.ts';
import { KvConflictError } from '../../engine/errors.ts';
import type { Logger } from '../../engine/log.ts';
import { type BatchMessage, PUBLISH_WINDOW, publishBatch } from '../../engine/publish-batch.ts';
import type { EventLog } from '../../engine/types.ts';
import { currentMatrix, generationOf, keys, noteWatching, type Stores } from '../../kv-schema/mod.ts';
import type { ReadinessSnapshot } from '../../kv-schema/records.ts';
import {
  AuditRecord,
  checked,
  encodeMessage,
  FlowUnknown,
  ProposalEventMessage,
  type Subjects,
} from '../../streams/mod.ts';
import { reconcileProposals } from '../matrix-keeper/reconcile.ts';
import { DEFAULT_PROPOSER_SETTINGS } from '../proposer/logic.ts';
import { refreshOpenEvidence } from './evidence.ts';
import { InventoryView, pairOf } from './inventory-view.ts';

export interface SchedulerOptions {
  stores: Stores;
  log: EventLog;
  subjects: Subjects;
  logger: Logger;
  now?: () => number;
  /** SCOPILOT_PROPOSALS__RARE_DAYS, for the rare flag of refreshed evidence (default 3). */
  rareDays?: number;
  /** Unknown-flow reports in flight at once (engine/publish-batch.ts); 1 publishes them one by one. */
  publishWindow?: number;
}

export interface TickReport {
  tenants: number;
  expired: number;
  /** Proposals whose status the live matrix contradicted (a rollback not yet marked): fixed. */
  reconciled: number;
  rescanned: number;
  reported: number;
  /** Tenants scanned in full (first tick, after the watch broke, or after a matrix change). */
  fullScans: number;
  /** Open proposals whose evidence figures were brought up to date with the inventory. */
  refreshed: number;
}

const firstToken = (key: string) => key.slice(0, key.indexOf('.'));

export class Scheduler {
  readonly #o: Required<SchedulerOptions>;
  readonly #view: InventoryView;

  constructor(options: SchedulerOptions) {
    this.#o = {
      now: Date.now,
      rareDays: DEFAULT_PROPOSER_SETTINGS.rareDays,
      publishWindow: PUBLISH_WINDOW,
      ...options,
    };
    this.#view = new InventoryView(this.#o.stores);
  }

  /** Stops the inventory watch. */
  stop(): void {
    this.#view.stop();
  }

  async tenants(): Promise<string[]> {
    const found = new Set<string>();
    if (this.#view.stale) {
      for (const key of await this.#o.stores.inventory.keys()) found.add(firstToken(key));
      this.#view.resync();
    } else {
      for (const tenant of this.#view.knownTenants()) found.add(tenant);
    }
    for (const key of await this.#o.stores.proposals.keys()) found.add(firstToken(key));
    return [...found].sort();
  }

  async tick(): Promise<TickReport> {
    const report: TickReport = {
      tenants: 0,
      expired: 0,
      reconciled: 0,
      rescanned: 0,
      reported: 0,
      refreshed: 0,
      fullScans: 0,
    };
    await this.#view.start();
    for (const tenant of await this.tenants()) {
      report.tenants++;
      try {
        report.expired += await this.expire(tenant);
        const fixed = await reconcileProposals(this.#o, tenant, { by: 'scheduler', channel: 'system' });
        report.reconciled += fixed.rolledBack.length + fixed.restored.length;
        const scan = await this.rescan(tenant);
        report.rescanned += scan.flows;
        report.reported += scan.reported;
        if (scan.full) report.fullScans++;
        report.refreshed += await refreshOpenEvidence(
          this.#o.stores,
          tenant,
          this.#o.now(),
          this.#o.rareDays,
        );
      } catch (error) {
        // One tenant's trouble must not starve the others; it scans in full next time.
        this.#view.forget(tenant);
        this.#o.logger.error({ err: error, tenant }, 'scheduler tick failed for tenant');
      }
    }
    return report;
  }

  async expire(tenant: string): Promise<number> {
    const now = this.#o.now();
    let expired = 0;
    for (const key of await this.#o.stores.proposals.keys(keys.tenantAll(tenant))) {
      for (;;) {
        const found = await this.#o.stores.proposals.get(key);
        if (found === null || !isOpen(found.value.status) || found.value.expiresAtMs > now) break;
        const next = transition(found.value as Proposal, {
          to: 'expired',
          by: 'scheduler',
          channel: 'system',
          atMs: now,
        });
        try {
          await this.#o.stores.proposals.update(key, next, found.revision);
        } catch (error) {
          if (error instanceof KvConflictError) continue; // decided meanwhile: look again
          throw error;
        }
        expired++;
        await this.#publish(
          this.#o.subjects.proposal(tenant, 'expired'),
          tenant,
          `proposal:${tenant}:${next.id}:expired`,
          ProposalEventMessage,
          {
            proposalId: next.id,
            status: next.status,
            revision: next.history.length,
          },
        );
        await this.#publish(
          this.#o.subjects.audit(tenant),
          tenant,
          `audit:proposal:${tenant}:${next.id}:expired`,
          AuditRecord,
          {
            action: 'proposal.expired',
            object: next.id,
            channel: 'system',
          },
        );
        break;
      }
    }
    return expired;
  }

  async rescan(tenant: string): Promise<{ flows: number; reported: number; full: boolean }> {
    const { pointer, version } = await currentMatrix(this.#o.stores, tenant);
    const live = {
      version: version?.version ?? 0,
      generation: generationOf(pointer?.value),
      matrix: (version?.matrix ?? INITIAL_MATRIX) as Matrix,
    };
    const { view, touchedPairs } = await this.#view.take(tenant);
    const withIds = [...view.flows.values()];
    // Every flow after a full load or a matrix change; otherwise only the pairs written since.
    const full =
      touchedPairs === null ||
      view.scannedAt?.version !== live.version ||
      view.scannedAt.generation !== live.generation;
    const scanned = full ? withIds : withIds.filter((f) => touchedPairs.has(pairOf(f)));
    // Watching began with the earliest traffic of the inventory (rarity is measured from then).
    const earliest = withIds.reduce((min, f) => Math.min(min, f.firstSeenMs), Number.POSITIVE_INFINITY);
    if (withIds.length > 0) await noteWatching(this.#o.stores, tenant, earliest);
    const byId = view.flows;
    const reports: BatchMessage[] = [];
    for (const c of coverage(live.matrix, scanned)) {
      if (c.status !== CoverageStatus.Uncovered) continue;
      const f = byId.get(c.flowId)!;
      if (f.unknownAt === live.generation) continue; // the aggregator reported it at this generation
      const data: FlowUnknown = {
        flowId: f.flowId,
        sgt: f.sgt,
        dgt: f.dgt,
        protocol: f.protocol,
        srcPort: f.srcPort,
        dstPort: f.dstPort,
        hits: f.hits,
        trigger: 'scan',
        triggerRef: `flow:${f.flowId}`,
        generation: live.generation,
      };
      const id = `unknown:${tenant}:${f.flowId}:g${live.generation}`;
      reports.push({
        subject: this.#o.subjects.flowsUnknown(tenant),
        data: this.#encode(tenant, id, FlowUnknown, data),
        options: { msgId: id },
      });
    }
    // After a matrix change that is every uncovered flow: pipelined, not one round trip each.
    await publishBatch(this.#o.log, reports, this.#o.publishWindow);
    const reported = reports.length;
    const r = readiness(live.matrix, withIds);
    const snapshot: ReadinessSnapshot = {
      atMs: this.#o.now(),
      version: live.version,
      ratio: r.ratio,
      totalHits: r.totalHits,
      coveredHits: r.coveredHits,
      deniedHits: r.deniedHits,
      uncoveredHits: r.uncoveredHits,
      flows: r.flows,
      criticalBlockers: r.criticalBlockers,
      blockers: r.blockers
        .slice(0, 20)
        .map((b) => ({ flowId: b.flowId, hits: b.hits, service: b.service, critical: b.critical })),
    };
    await this.#o.stores.readiness.put(keys.readiness(tenant), snapshot);
    view.scannedAt = { version: live.version, generation: live.generation };
    return { flows: scanned.length, reported, full };
  }

  async #publish<S extends v.GenericSchema>(
    subject: string,
    tenant: string,
    id: string,
    schema: S,
    input: v.InferInput<S>,
  ): Promise<void> {
    await this.#o.log.publish(subject, this.#encode(tenant, id, schema, input), { msgId: id });
  }

  #encode<S extends v.GenericSchema>(tenant: string, id: string, schema: S, input: v.InferInput<S>) {
    const data = checked(schema, input);
    return encodeMessage({ id, tenant, at: new Date(this.#o.now()).toISOString(), by: 'scheduler', data });
  }
}

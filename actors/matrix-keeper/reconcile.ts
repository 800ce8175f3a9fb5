/**
 * Proposal statuses follow the live matrix. After the pointer moves (a
 * rollback, a roll forward) a proposal whose version left the live ancestry is
 * `rolled_back`, and one whose version is live again is `applied` again, with
 * the version that carries it. The keeper runs this after every rollback; the
 * scheduler runs it on each tick, which repairs a keeper that died between
 * moving the pointer and marking the proposals.
 *
 * Races: the pointer always moves before proposals are marked, and each mark
 * is a CAS write made only after the pointer is read again behind the
 * proposal, so a reconcile working from an older pointer never undoes a newer
 * one's marks.
 */
import { carriedProposals, inForce, type MatrixVersion } from '../../domain/matrix-version.ts';
import { isOpen, lastApproval, type Proposal, transition } from '../../domain/proposal.ts';
import { KvConflictError } from '../../engine/errors.ts';
import type { EventLog } from '../../engine/types.ts';
import {
  generationOf,
  keys,
  type MatrixVersionRecord,
  matrixVersion,
  type ProposalRecord,
  type Stores,
} from '../../kv-schema/mod.ts';
import {
  AuditRecord,
  checked,
  encodeMessage,
  ProposalEvent,
  ProposalEventMessage,
  type Subjects,
} from '../../streams/mod.ts';

export interface ReconcileDeps {
  stores: Stores;
  log: EventLog;
  subjects: Subjects;
  now: () => number;
}

/** Who moved the pointer, for the history and the audit trail. */
export interface ReconcileCause {
  by: string;
  channel: Proposal['history'][number]['channel'];
  /** Why, in words (the rollback's reason). */
  reason?: string;
}

export interface ReconcileReport {
  rolledBack: string[];
  restored: string[];
}

const MAX_RACES = 50;

/** Only these can need a change: applied, rolled back, or open again after a rollback. */
const mayChange = (p: ProposalRecord): boolean =>
  p.status === 'applied' ||
  p.status === 'rolled_back' ||
  (isOpen(p.status as Proposal['status']) && p.history.some((h) => h.status === 'applied'));

interface Live {
  revision: number;
  version: number;
  generation: number;
  matrix: MatrixVersion['matrix'] | null;
  carried: Map<string, number>;
}

async function liveView(stores: Stores, tenant: string): Promise<Live> {
  const pointer = await stores.pointer.get(keys.matrixCurrent(tenant));
  const version = pointer?.value.version ?? 0;
  const loaded = new Map<number, MatrixVersionRecord>();
  for (let n = version; n > 0 && !loaded.has(n); ) {
    const record = await matrixVersion(stores, tenant, n);
    if (record === null) break;
    loaded.set(n, record);
    n = record.parent ?? 0;
  }
  return {
    revision: pointer?.revision ?? 0,
    version,
    generation: generationOf(pointer?.value),
    matrix: (loaded.get(version)?.matrix as MatrixVersion['matrix'] | undefined) ?? null,
    carried: carriedProposals(version, (n) => loaded.get(n) ?? null),
  };
}

/** The proposal as the live matrix says it should be, or null when it is right already. */
function settle(p: Proposal, live: Live, cause: ReconcileCause, atMs: number): Proposal | null {
  const carrier = live.carried.get(p.id);
  if (carrier === undefined) {
    if (p.status !== 'applied') return null;
    const note =
      `version ${p.appliedVersion ?? '?'} is no longer live (version ${live.version} is)` +
      (cause.reason ? `: ${cause.reason}` : '');
    return transition(p, { to: 'rolled_back', by: cause.by, channel: cause.channel, atMs, note });
  }
  if (p.status === 'applied') return p.appliedVersion === carrier ? null : { ...p, appliedVersion: carrier };
  // An open one was asked again after a rollback: applied again only if all it asks for is in force now.
  if (p.status !== 'rolled_back' && !(isOpen(p.status) && live.matrix !== null && inForce(live.matrix, p))) {
    return null;
  }
  const moved = transition(p, {
    to: 'applied',
    by: cause.by,
    channel: cause.channel,
    atMs,
    note: `version ${carrier} is live again`,
  });
  const decision = p.decision ?? lastApproval(p);
  return { ...moved, appliedVersion: carrier, ...(decision ? { decision } : {}) };
}

/** Mark every proposal of the tenant whose status the live matrix contradicts; report what moved. */
export async function reconcileProposals(
  deps: ReconcileDeps,
  tenant: string,
  cause: ReconcileCause,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { rolledBack: [], restored: [] };
  let live = await liveView(deps.stores, tenant);
  for (const key of await deps.stores.proposals.keys(keys.tenantAll(tenant))) {
    for (let race = 0; ; race++) {
      const found = await deps.stores.proposals.get(key);
      if (found === null || !mayChange(found.value)) break;
      const before = found.value as Proposal;
      if (settle(before, live, cause, deps.now()) === null) break;
      // About to write: read the pointer behind the proposal, so a newer move's marks are never undone
      // from an older view.
      const pointer = await deps.stores.pointer.get(keys.matrixCurrent(tenant));
      if ((pointer?.revision ?? 0) !== live.revision) live = await liveView(deps.stores, tenant);
      const next = settle(before, live, cause, deps.now());
      if (next === null) break;
      try {
        await deps.stores.proposals.update(key, next, found.revision);
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
        continue;
      }
      if (next.status !== before.status) {
        (next.status === 'rolled_back' ? report.rolledBack : report.restored).push(next.id);
        await announce(deps, tenant, next, before, live, cause);
      }
      break;
    }
  }
  return report;
}

async function announce(
  deps: ReconcileDeps,
  tenant: string,
  p: Proposal,
  before: Proposal,
  live: Live,
  cause: ReconcileCause,
): Promise<void> {
  const rolledBack = p.status === 'rolled_back';
  const event = rolledBack ? ProposalEvent.RolledBack : ProposalEvent.Applied;
  // The history's length makes each transition's ids unique: a proposal may be rolled back more than once.
  const id = `proposal:${tenant}:${p.id}:${event}:${p.history.length}`;
  const at = new Date(deps.now()).toISOString();
  const data = checked(ProposalEventMessage, {
    proposalId: p.id,
    status: p.status,
    revision: p.history.length,
    channel: cause.channel,
  });
  await deps.log.publish(
    deps.subjects.proposal(tenant, event),
    encodeMessage({ id, tenant, at, by: 'matrix-keeper', data }),
    { msgId: id },
  );
  const auditId = `audit:${id}`;
  const audit = checked(AuditRecord, {
    action: rolledBack ? 'proposal.rolled_back' : 'proposal.applied',
    object: p.id,
    channel: cause.channel,
    detail: {
      version: rolledBack ? before.appliedVersion : p.appliedVersion,
      live: live.version,
      generation: live.generation,
      ...(rolledBack ? {} : { rollForward: true }),
      ...(cause.reason ? { reason: cause.reason } : {}),
    },
  });
  await deps.log.publish(
    deps.subjects.audit(tenant),
    encodeMessage({ id: auditId, tenant, at, by: cause.by, data: audit }),
    { msgId: auditId },
  );
}

/**
 * The matrix keeper: the only code that decides proposals and moves a
 * tenant's matrix pointer. Correctness comes from CAS, not from there being
 * one keeper: of fifty concurrent approvals of one proposal, exactly one wins
 * the proposal's revision and writes one version; the others are told it is
 * already decided. A version is written once under its own key (`create`),
 * then the pointer moves with CAS; a rollback only moves the pointer, then
 * marks the proposals it took out of force as rolled back (reconcile.ts).
 */

import type { Ace } from '../../domain/ace.ts';
import { type MatrixVersion, nextVersion } from '../../domain/matrix-version.ts';
import { aceFingerprint, isOpen, type Proposal, ProposalError, transition } from '../../domain/proposal.ts';
import { KvConflictError } from '../../engine/errors.ts';
import type { EventLog } from '../../engine/types.ts';
import {
  currentMatrix,
  keys,
  matrixVersions,
  nextGeneration,
  type Stores,
  sgtNames,
} from '../../kv-schema/mod.ts';
import type { MatrixPointer } from '../../kv-schema/records.ts';
import {
  CommandErrorCode,
  type CommandReply,
  type DecideCommand,
  type RollbackCommand,
} from '../../streams/commands.ts';
import {
  AuditRecord,
  checked,
  encodeMessage,
  MatrixChanged,
  ProposalEventMessage,
  type Subjects,
} from '../../streams/mod.ts';
import { reconcileProposals } from './reconcile.ts';

export interface KeeperOptions {
  stores: Stores;
  log: EventLog;
  subjects: Subjects;
  /** Refuse an approval by the creator of a manual proposal. */
  fourEyes?: boolean;
  now?: () => number;
}

const MAX_RACES = 50;

const fail = (code: CommandErrorCode, message: string): CommandReply => ({ ok: false, code, message });

export class MatrixKeeper {
  readonly #o: Required<Omit<KeeperOptions, 'fourEyes'>> & { fourEyes: boolean };

  constructor(options: KeeperOptions) {
    this.#o = { now: Date.now, fourEyes: false, ...options };
  }

  async decide(tenant: string, cmd: DecideCommand): Promise<CommandReply> {
    const key = keys.proposal(tenant, cmd.proposalId);
    const to = cmd.decision === 'approve' ? 'approved' : 'rejected';
    let decided: Proposal | null = null;
    for (let race = 0; decided === null; race++) {
      const found = await this.#o.stores.proposals.get(key);
      if (found === null) return fail(CommandErrorCode.NotFound, `no proposal ${cmd.proposalId}`);
      if (
        cmd.aces !== undefined &&
        isOpen(found.value.status) &&
        aceFingerprint(found.value.aces as Ace[]) !== cmd.aces
      ) {
        return fail(
          CommandErrorCode.Stale,
          `proposal ${cmd.proposalId} changed since it was shown (its ACEs differ now); nothing was decided`,
        );
      }
      let next: Proposal;
      try {
        next = transition(found.value as Proposal, {
          to,
          by: cmd.by,
          channel: cmd.channel,
          atMs: this.#o.now(),
          ...(cmd.reason ? { note: cmd.reason } : {}),
          fourEyes: this.#o.fourEyes,
          ...(cmd.identity === undefined ? {} : { identity: cmd.identity }),
        });
      } catch (error) {
        if (error instanceof ProposalError) return fail(error.code, error.message);
        throw error;
      }
      try {
        await this.#o.stores.proposals.update(key, next, found.revision);
        decided = next;
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      }
    }
    await this.#event(tenant, 'decided', decided);
    await this.#audit(tenant, `proposal.${to}`, decided.id, cmd.channel, cmd.by, { reason: cmd.reason });
    if (to === 'rejected') return { ok: true, proposalId: decided.id, status: decided.status };
    try {
      return await this.#apply(tenant, decided, cmd);
    } catch (error) {
      const reason = (error as Error).message.slice(0, 500);
      const failed = await this.#settle(tenant, decided.id, 'failed', { failure: reason });
      await this.#event(tenant, 'failed', failed);
      await this.#audit(tenant, 'proposal.failed', decided.id, cmd.channel, cmd.by, { reason });
      return fail(
        CommandErrorCode.ApplyFailed,
        `approved, but the new matrix version could not be written: ${reason}`,
      );
    }
  }

  /** Fold an approved proposal into a new version and move the pointer to it. */
  async #apply(tenant: string, approved: Proposal, cmd: DecideCommand): Promise<CommandReply> {
    const names = await sgtNames(this.#o.stores, tenant);
    let written: MatrixVersion | null = null;
    let latestFloor = 0;
    for (let race = 0; written === null; race++) {
      const { pointer, version } = await currentMatrix(this.#o.stores, tenant);
      const latest = Math.max(pointer?.value.latest ?? 0, latestFloor);
      const candidate = nextVersion({
        current: version as MatrixVersion | null,
        latest,
        proposal: approved,
        names,
        author: cmd.by,
        channel: cmd.channel,
        atMs: this.#o.now(),
      });
      try {
        await this.#o.stores.matrix.create(keys.matrixVersion(tenant, candidate.version), candidate);
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
        // Someone wrote that number first (or a writer died before moving the pointer): skip past it.
        latestFloor = Math.max(candidate.version, ...(await matrixVersions(this.#o.stores, tenant)));
        continue;
      }
      const moved: MatrixPointer = {
        version: candidate.version,
        latest: candidate.version,
        generation: nextGeneration(pointer?.value, candidate.version),
        by: cmd.by,
        channel: cmd.channel,
        at: new Date(candidate.atMs).toISOString(),
        reason: candidate.reason,
      };
      try {
        if (pointer === null) await this.#o.stores.pointer.create(keys.matrixCurrent(tenant), moved);
        else await this.#o.stores.pointer.update(keys.matrixCurrent(tenant), moved, pointer.revision);
        written = candidate;
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
        // The pointer moved under us: our version stays unreferenced; build on the new one.
        latestFloor = candidate.version;
      }
    }
    const applied = await this.#settle(tenant, approved.id, 'applied', { appliedVersion: written.version });
    await this.#event(tenant, 'applied', applied);
    await this.#matrixChanged(tenant, written.version, written.parent, written.reason, [approved.id]);
    await this.#audit(tenant, 'matrix.version', `v${written.version}`, cmd.channel, cmd.by, {
      parent: written.parent,
      proposal: approved.id,
    });
    return { ok: true, proposalId: approved.id, status: applied.status, version: written.version };
  }

  /** approved → applied | failed, with CAS. */
  async #settle(
    tenant: string,
    proposalId: string,
    to: 'applied' | 'failed',
    extra: Partial<Proposal>,
  ): Promise<Proposal> {
    const key = keys.proposal(tenant, proposalId);
    for (let race = 0; ; race++) {
      const found = await this.#o.stores.proposals.get(key);
      if (found === null) throw new Error(`proposal ${proposalId} vanished while being applied`);
      const moved = transition(found.value as Proposal, {
        to,
        by: 'matrix-keeper',
        channel: 'system',
        atMs: this.#o.now(),
      });
      const next = { ...moved, ...extra };
      try {
        await this.#o.stores.proposals.update(key, next, found.revision);
        return next;
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      }
    }
  }

  async rollback(tenant: string, cmd: RollbackCommand): Promise<CommandReply> {
    const target = await this.#o.stores.matrix.get(keys.matrixVersion(tenant, cmd.version));
    if (target === null) return fail(CommandErrorCode.NotFound, `no matrix version ${cmd.version}`);
    for (let race = 0; ; race++) {
      const { pointer } = await currentMatrix(this.#o.stores, tenant);
      if (pointer === null) return fail(CommandErrorCode.NotFound, 'no matrix version is live yet');
      const from = pointer.value.version;
      const moved: MatrixPointer = {
        version: cmd.version,
        latest: pointer.value.latest,
        generation: nextGeneration(pointer.value, cmd.version),
        by: cmd.by,
        channel: cmd.channel,
        at: new Date(this.#o.now()).toISOString(),
        reason: `rollback: ${cmd.reason}`,
      };
      try {
        await this.#o.stores.pointer.update(keys.matrixCurrent(tenant), moved, pointer.revision);
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
        continue;
      }
      await this.#matrixChanged(tenant, cmd.version, from, moved.reason, []);
      await this.#audit(tenant, 'matrix.rollback', `v${cmd.version}`, cmd.channel, cmd.by, {
        from,
        reason: cmd.reason,
      });
      // What the move took out is rolled back, what it brought back (a roll forward) is applied again;
      // the flows that lost their permit are reported again by the aggregator and the scheduler.
      await reconcileProposals(this.#o, tenant, {
        by: cmd.by,
        channel: cmd.channel,
        reason: `rollback from version ${from} to ${cmd.version}: ${cmd.reason}`,
      });
      return { ok: true, version: cmd.version };
    }
  }

  async #event(tenant: string, event: 'decided' | 'applied' | 'failed', p: Proposal): Promise<void> {
    // The history's length keeps a proposal applied a second time (after a rollback) from deduping.
    const id = `proposal:${tenant}:${p.id}:${p.status}:${p.history.length}`;
    const data = checked(ProposalEventMessage, {
      proposalId: p.id,
      status: p.status,
      revision: p.history.length,
      ...(p.decision ? { channel: p.decision.channel } : {}),
    });
    await this.#o.log.publish(
      this.#o.subjects.proposal(tenant, event),
      encodeMessage({ id, tenant, at: new Date(this.#o.now()).toISOString(), by: 'matrix-keeper', data }),
      { msgId: id },
    );
  }

  async #matrixChanged(
    tenant: string,
    version: number,
    previous: number | null,
    reason: string,
    proposals: string[],
  ) {
    const id = `matrix:${tenant}:${previous ?? 0}->${version}:${this.#o.now()}`;
    const data = checked(MatrixChanged, { version, previous, reason, proposals });
    await this.#o.log.publish(
      this.#o.subjects.matrixChanged(tenant),
      encodeMessage({ id, tenant, at: new Date(this.#o.now()).toISOString(), by: 'matrix-keeper', data }),
      { msgId: id },
    );
  }

  async #audit(
    tenant: string,
    action: string,
    object: string,
    channel: string,
    by: string,
    detail: Record<string, unknown>,
  ) {
    const id = `audit:${tenant}:${action}:${object}:${this.#o.now()}`;
    const data = checked(AuditRecord, { action, object, channel, detail });
    await this.#o.log.publish(
      this.#o.subjects.audit(tenant),
      encodeMessage({ id, tenant, at: new Date(this.#o.now()).toISOString(), by, data }),
      { msgId: id },
    );
  }
}

/**
 * The matrix keeper: the only code that decides proposals and moves a
 * tenant's matrix pointer. Correctness comes from CAS, not from there being
 * one keeper: of fifty concurrent approvals of one proposal, exactly one wins
 * the proposal's revision and writes one version; the others are told it is
 * already decided. A version is written once under its own key (`create`),
 * then the pointer moves with CAS; a rollback only moves the pointer, then
 * marks the proposals it took out of force as rolled back (reconcile.ts).
 * A batch decision (decideMany) decides each proposal as one decision does,
 * then folds every approval into one version (batch.ts).
 */

import type { Ace } from '../../domain/ace.ts';
import type { MatrixVersion } from '../../domain/matrix-version.ts';
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
  type DecideManyCommand,
  type DecideManyReply,
  type DecideOutcome,
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
import { batchVersion } from './batch.ts';
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
    const decided = await this.#decideOne(tenant, cmd);
    if ('ok' in decided) return decided;
    if (decided.status === 'rejected') return { ok: true, proposalId: decided.id, status: decided.status };
    const applied = await this.#applyAll(tenant, [decided], cmd);
    if ('failure' in applied)
      return fail(
        CommandErrorCode.ApplyFailed,
        `approved, but the new matrix version could not be written: ${applied.failure}`,
      );
    return { ok: true, proposalId: decided.id, status: 'applied', version: applied.version };
  }

  /**
   * Many proposals decided alike: each is checked and audited on its own (stale ACEs, four-eyes,
   * already decided), then every approval folds into ONE new version.
   */
  async decideMany(tenant: string, cmd: DecideManyCommand): Promise<DecideManyReply> {
    const outcomes: DecideOutcome[] = [];
    const approved: Proposal[] = [];
    for (const item of cmd.proposals) {
      const decided = await this.#decideOne(tenant, {
        proposalId: item.proposalId,
        decision: cmd.decision,
        by: cmd.by,
        channel: cmd.channel,
        ...(cmd.reason === undefined ? {} : { reason: cmd.reason }),
        ...(cmd.identity === undefined ? {} : { identity: cmd.identity }),
        ...(item.aces === undefined ? {} : { aces: item.aces }),
      });
      if ('ok' in decided) {
        if (!decided.ok)
          outcomes.push({
            proposalId: item.proposalId,
            ok: false,
            code: decided.code,
            message: decided.message,
          });
        continue;
      }
      outcomes.push({ proposalId: decided.id, ok: true, status: decided.status });
      if (decided.status === 'approved') approved.push(decided);
    }
    if (approved.length === 0) return { ok: true, decision: cmd.decision, version: null, outcomes };
    const applied = await this.#applyAll(tenant, approved, cmd);
    const ids = new Set(approved.map((p) => p.id));
    for (const o of outcomes) {
      if (!ids.has(o.proposalId)) continue;
      if ('failure' in applied) {
        Object.assign(o, {
          ok: false,
          status: 'failed',
          code: CommandErrorCode.ApplyFailed,
          message: `approved, but the new matrix version could not be written: ${applied.failure}`,
        });
      } else o.status = 'applied';
    }
    return {
      ok: true,
      decision: cmd.decision,
      version: 'failure' in applied ? null : applied.version,
      outcomes,
    };
  }

  /** One proposal pending → approved | rejected with CAS; the decided proposal, or the refusal. */
  async #decideOne(tenant: string, cmd: DecideCommand): Promise<Proposal | CommandReply> {
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
    return decided;
  }

  /** Fold approved proposals into one version, or mark each failed when it cannot be written. */
  async #applyAll(
    tenant: string,
    approved: Proposal[],
    by: { by: string; channel: string },
  ): Promise<{ version: number } | { failure: string }> {
    try {
      return { version: await this.#apply(tenant, approved, by) };
    } catch (error) {
      const reason = (error as Error).message.slice(0, 500);
      for (const p of approved) {
        const failed = await this.#settle(tenant, p.id, 'failed', { failure: reason });
        await this.#event(tenant, 'failed', failed);
        await this.#audit(tenant, 'proposal.failed', p.id, by.channel, by.by, { reason });
      }
      return { failure: reason };
    }
  }

  /** Fold approved proposals into a new version and move the pointer to it. */
  async #apply(tenant: string, approved: Proposal[], cmd: { by: string; channel: string }): Promise<number> {
    const names = await sgtNames(this.#o.stores, tenant);
    let written: MatrixVersion | null = null;
    let latestFloor = 0;
    for (let race = 0; written === null; race++) {
      const { pointer, version } = await currentMatrix(this.#o.stores, tenant);
      const latest = Math.max(pointer?.value.latest ?? 0, latestFloor);
      const candidate = batchVersion({
        current: version as MatrixVersion | null,
        latest,
        proposals: approved,
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
    for (const p of approved) {
      const applied = await this.#settle(tenant, p.id, 'applied', { appliedVersion: written.version });
      await this.#event(tenant, 'applied', applied);
    }
    const ids = approved.map((p) => p.id);
    await this.#matrixChanged(tenant, written.version, written.parent, written.reason, ids);
    await this.#audit(tenant, 'matrix.version', `v${written.version}`, cmd.channel, cmd.by, {
      parent: written.parent,
      ...(ids.length === 1 ? { proposal: ids[0] } : { proposals: ids }),
    });
    return written.version;
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

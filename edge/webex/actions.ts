/**
 * What the bot does once a request is known to be genuine, new, and from an
 * allowed approver in a tenant's room: list and show from the stores, decide
 * through the matrix keeper, and answer in the room. Also the refusal of
 * everyone else, which is answered and audited (`webex.refused`).
 */

import { isOpen, type ProposalStatus } from '../../domain/proposal.ts';
import type { Logger } from '../../engine/log.ts';
import type { Engine } from '../../engine/types.ts';
import {
  alreadyDecided,
  decisionSummary,
  HELP_TEXT,
  type OutgoingMessage,
  pendingList,
  proposalCard,
  type WebexApi,
} from '../../integrations/webex/mod.ts';
import { idCode, mdText } from '../../integrations/webex/text.ts';
import { keys, type ProposalRecord, type Stores, sgtNames } from '../../kv-schema/mod.ts';
import {
  AuditRecord,
  CommandErrorCode,
  checked,
  type DecideCommand,
  encodeMessage,
  type Subjects,
} from '../../streams/mod.ts';
import { type DecideOutcome, requestDecision } from './decide.ts';

export interface ActionDeps {
  engine: Engine;
  stores: Stores;
  subjects: Subjects;
  api: WebexApi;
  logger: Logger;
  now: () => number;
}

/** Where and to whom an answer goes. */
export interface Asker {
  tenant: string;
  roomId: string;
  /** The thread to answer in (a top-level message), when there is one. */
  parentId?: string;
  email: string;
  personId: string;
}

export class BotActions {
  readonly #d: ActionDeps;

  constructor(deps: ActionDeps) {
    this.#d = deps;
  }

  /** Post an answer; a failure is logged with what was lost, never thrown into the void. */
  async say(to: Asker, markdown: string, extra: Pick<OutgoingMessage, 'attachments'> = {}) {
    try {
      await this.#d.api.postMessage({
        roomId: to.roomId,
        markdown,
        ...extra,
        ...(to.parentId ? { parentId: to.parentId } : {}),
      });
    } catch (error) {
      this.#d.logger.error(
        { err: error, tenant: to.tenant, email: to.email, answer: markdown.slice(0, 200) },
        'could not answer in the webex room',
      );
    }
  }

  async help(to: Asker, problem?: string): Promise<void> {
    await this.say(to, problem ? `Sorry, ${problem}\n\n${HELP_TEXT}` : HELP_TEXT);
  }

  async listPending(to: Asker): Promise<void> {
    const { stores } = this.#d;
    const open: ProposalRecord[] = [];
    for (const key of await stores.proposals.keys(keys.tenantAll(to.tenant))) {
      const found = await stores.proposals.get(key);
      if (found !== null && isOpen(found.value.status as ProposalStatus)) open.push(found.value);
    }
    open.sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : 1));
    await this.say(to, pendingList(open, await sgtNames(stores, to.tenant)));
  }

  async show(to: Asker, proposalId: string): Promise<void> {
    const p = await this.#proposal(to.tenant, proposalId);
    if (p === null) return this.say(to, `No proposal ${idCode(proposalId)}.`);
    if (!isOpen(p.status as ProposalStatus)) return this.say(to, alreadyDecided(p));
    const card = proposalCard(p, await sgtNames(this.#d.stores, to.tenant));
    // Top level, not in the thread: a click on it is answered in the card's own thread.
    await this.say({ ...to, parentId: undefined }, card.markdown, { attachments: card.attachments });
  }

  /**
   * Decide through the keeper. From a card, `seen` is the fingerprint of the
   * ACEs it showed: if the proposal has grown since, the keeper refuses and
   * the room gets the current card instead.
   */
  async decide(
    to: Asker,
    proposalId: string,
    decision: DecideCommand['decision'],
    reason?: string,
    seen?: string,
  ) {
    const command: DecideCommand = {
      proposalId,
      decision,
      by: to.email,
      channel: 'webex',
      ...(reason?.trim() ? { reason: reason.trim() } : {}),
      ...(seen === undefined ? {} : { aces: seen }),
    };
    const outcome = await requestDecision(this.#d.engine, this.#d.subjects, to.tenant, command);
    if (outcome.kind === 'reply' && !outcome.reply.ok && outcome.reply.code === CommandErrorCode.Stale) {
      await this.say(
        to,
        `${idCode(proposalId)} changed after this card was posted; nothing was decided. The current card follows.`,
      );
      return this.show(to, proposalId);
    }
    await this.say(to, await this.#outcomeText(to.tenant, proposalId, decision, outcome));
  }

  /** The current proposal, for callers that check a card against it. */
  proposal(tenant: string, proposalId: string): Promise<ProposalRecord | null> {
    return this.#proposal(tenant, proposalId);
  }

  /** Answer "not allowed" and put the attempt on the tenant's AUDIT stream. */
  async refuse(to: Asker, what: { resourceId: string; resource: string; verb: string; proposalId?: string }) {
    const at = new Date(this.#d.now()).toISOString();
    const id = `audit:${to.tenant}:webex.refused:${what.resourceId}`;
    const data = checked(AuditRecord, {
      action: 'webex.refused',
      object: what.proposalId ?? 'webex',
      channel: 'webex',
      detail: {
        email: to.email.slice(0, 320),
        personId: to.personId,
        resource: what.resource,
        command: what.verb,
      },
    });
    await this.#d.engine.log.publish(
      this.#d.subjects.audit(to.tenant),
      encodeMessage({ id, tenant: to.tenant, at, by: (to.email || to.personId).slice(0, 200), data }),
      { msgId: id },
    );
    this.#d.logger.warn({ tenant: to.tenant, email: to.email, command: what.verb }, 'webex request refused');
    await this.say(to, `Sorry, ${mdText(to.email || 'you', 120)} is not allowed to use this bot.`);
  }

  async #proposal(tenant: string, proposalId: string): Promise<ProposalRecord | null> {
    return (await this.#d.stores.proposals.get(keys.proposal(tenant, proposalId)))?.value ?? null;
  }

  async #outcomeText(
    tenant: string,
    proposalId: string,
    decision: DecideCommand['decision'],
    outcome: DecideOutcome,
  ): Promise<string> {
    const failed = (detail: string) =>
      `⚠️ Could not ${decision} ${idCode(proposalId)}: ${mdText(detail, 500)}`;
    if (outcome.kind === 'unavailable') return failed(outcome.detail);
    const reply = outcome.reply;
    if (!reply.ok && reply.code === CommandErrorCode.NotFound) return `No proposal ${idCode(proposalId)}.`;
    const p = await this.#proposal(tenant, proposalId);
    const names = await sgtNames(this.#d.stores, tenant);
    if (p === null)
      return reply.ok
        ? `Done: ${idCode(proposalId)} is ${mdText(reply.status ?? '?', 32)}.`
        : failed(reply.message);
    if (reply.ok) {
      return p.status === 'rejected'
        ? decisionSummary(p, names, 'decided', 'rejected')
        : decisionSummary({ ...p, appliedVersion: reply.version ?? p.appliedVersion }, names, 'applied');
    }
    if (reply.code === CommandErrorCode.AlreadyDecided) return alreadyDecided(p);
    if (reply.code === CommandErrorCode.ApplyFailed) return decisionSummary(p, names, 'failed');
    return failed(reply.message);
  }
}

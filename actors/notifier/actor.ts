/**
 * The notifier on the engine: reads `proposals.<event>` from EVENTS, looks up
 * the proposal, and carries out the plan of logic.ts against WebEx. The
 * client retries 429 (after Retry-After) and 5xx itself; when it still
 * fails, the error is thrown so the engine retries the event with backoff and
 * finally dead-letters it. An answer that retrying cannot change (a 400, a
 * room the bot is not in) is a TerminalError: dead-lettered at once, with
 * WebEx's reason. Delivery is at least once: a crash right after a post may
 * post that message again when the event is redelivered.
 */
import * as v from 'valibot';
import { type Proposal, transition } from '../../domain/proposal.ts';
import type { ActorDefinition, Effect } from '../../engine/actor/types.ts';
import { KvConflictError, TerminalError } from '../../engine/errors.ts';
import {
  type Message,
  type OutgoingMessage,
  type RoomDirectory,
  type WebexApi,
  WebexError,
} from '../../integrations/webex/mod.ts';
import { keys, type Stores, sgtNames } from '../../kv-schema/mod.ts';
import {
  AuditRecord,
  checked,
  decodeMessage,
  envelope,
  type Namespace,
  ProposalEventMessage,
  StreamName,
  type Subjects,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { forget, NotifierState, planNotifications, remember } from './logic.ts';

export interface NotifierOptions {
  api: WebexApi;
  rooms: RoomDirectory;
}

export type NotifierMessage = ProposalEventMessage & { event: string; atMs: number };

const PROPOSAL_ID = /^[-_a-zA-Z0-9]{1,64}$/;
const MAX_RACES = 20;

/** Post, turning "never going to work" into a TerminalError. */
async function post(api: WebexApi, message: OutgoingMessage): Promise<Message> {
  try {
    return await api.postMessage(message);
  } catch (error) {
    if (error instanceof WebexError && !error.retryable) {
      // A thread that cannot be answered (its card deleted) still gets the summary, at the top level.
      if (message.parentId !== undefined) return post(api, { ...message, parentId: undefined });
      throw new TerminalError(`webex refused the message: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** pending → notified with CAS; null when someone moved it on first (then there is nothing to record). */
async function markNotified(stores: Stores, tenant: string, proposalId: string, atMs: number) {
  const key = keys.proposal(tenant, proposalId);
  for (let race = 0; race < MAX_RACES; race++) {
    const found = await stores.proposals.get(key);
    if (found === null || found.value.status !== 'pending') return null;
    const next = transition(found.value as Proposal, {
      to: 'notified',
      by: 'notifier',
      channel: 'webex',
      atMs,
    });
    try {
      await stores.proposals.update(key, next, found.revision);
      return next;
    } catch (error) {
      if (!(error instanceof KvConflictError)) throw error;
    }
  }
  throw new KvConflictError('proposals', key);
}

function notifiedAudit(
  subjects: Subjects,
  tenant: string,
  p: Proposal,
  roomId: string,
  nowMs: number,
): Effect {
  const id = `audit:proposal:${tenant}:${p.id}:notified`;
  return {
    type: 'publish',
    subject: subjects.audit(tenant),
    msgId: id,
    message: envelope({
      id,
      tenant,
      at: new Date(nowMs).toISOString(),
      by: 'notifier',
      data: checked(AuditRecord, {
        action: 'proposal.notified',
        object: p.id,
        channel: 'webex',
        detail: { roomId: roomId.slice(0, 512) },
      }),
    }),
  };
}

export function notifierActor(
  ns: Namespace,
  stores: Stores,
  o: NotifierOptions,
): ActorDefinition<NotifierState, NotifierMessage> {
  const subjects = subjectsFor(ns);
  return {
    kind: 'notifier',
    stream: streamName(StreamName.Events, ns),
    filterSubject: subjects.proposalsAll(),
    initialState: () => ({ cards: {} }),
    parseState: (raw) => v.parse(NotifierState, raw),
    decode: (message) => {
      const { data, at } = decodeMessage(message.data, ProposalEventMessage);
      if (!PROPOSAL_ID.test(data.proposalId)) throw new TerminalError(`bad proposal id ${data.proposalId}`);
      return {
        ...data,
        event: message.subject.slice(message.subject.lastIndexOf('.') + 1),
        atMs: Date.parse(at),
      };
    },
    async transition(state, m, ctx) {
      const tenant = ctx.tenant;
      const roomId = o.rooms.roomOf(tenant);
      const found = roomId === null ? null : await stores.proposals.get(keys.proposal(tenant, m.proposalId));
      const plan = planNotifications({
        event: m.event,
        status: m.status,
        ...(m.channel ? { channel: m.channel } : {}),
        proposal: found?.value ?? null,
        names: found === null ? new Map() : await sgtNames(stores, tenant),
        roomId,
        card: state.cards[m.proposalId],
        ageMs: ctx.nowMs - m.atMs,
      });
      let next = state;
      const effects: Effect[] = [];
      for (const e of plan.effects) {
        switch (e.type) {
          case 'post.card': {
            const card = { roomId: e.roomId, markdown: e.markdown, attachments: e.attachments };
            const posted = await post(o.api, card);
            next = remember(next, e.proposalId, {
              messageId: posted.id,
              fingerprint: e.fingerprint,
              atMs: ctx.nowMs,
            });
            break;
          }
          case 'post.summary':
            await post(o.api, {
              roomId: e.roomId,
              markdown: e.markdown,
              ...(e.parentId ? { parentId: e.parentId } : {}),
            });
            break;
          case 'mark.notified': {
            const notified = await markNotified(stores, tenant, e.proposalId, ctx.nowMs);
            if (notified !== null && roomId !== null) {
              effects.push(notifiedAudit(subjects, tenant, notified, roomId, ctx.nowMs));
            }
            break;
          }
        }
      }
      return { state: plan.forget ? forget(next, m.proposalId) : next, effects };
    },
  };
}

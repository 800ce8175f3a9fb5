/**
 * The notifier's pure part: which proposal event posts what in the tenant's
 * WebEx room.
 *
 *   created, updated   → the approval card, unless the room already has a
 *                        card showing exactly these ACEs (a storm collapse
 *                        that only added evidence posts nothing); the first
 *                        card also moves the proposal pending → notified
 *   decided, applied,
 *   failed, expired,
 *   rolled-back        → a one-line summary, in the card's thread
 *
 * A decision made in WebEx was already answered in the room by the webhook
 * (with the keeper's reply), so its decided/applied/failed events post
 * nothing more. Summaries of events older than SUMMARY_MAX_AGE_MS are not
 * posted either: when the notifier is first switched on it reads the whole
 * EVENTS history, and months of old decisions would flood the room (cards are
 * still posted, for proposals that are open now). The state remembers each open proposal's latest card, so
 * summaries can be threaded and unchanged cards are not posted again.
 */
import * as v from 'valibot';
import { isOpen, type ProposalStatus } from '../../domain/proposal.ts';
import type { SgtDictionary } from '../../domain/types.ts';
import {
  type CardAttachment,
  cardFingerprint,
  decisionSummary,
  proposalCard,
  SummaryEvent,
} from '../../integrations/webex/mod.ts';
import type { ProposalRecord } from '../../kv-schema/records.ts';
import { ProposalEvent } from '../../streams/subjects.ts';

const CardMemo = v.object({
  messageId: v.pipe(v.string(), v.maxLength(512)),
  fingerprint: v.pipe(v.string(), v.maxLength(64)),
  atMs: v.number(),
});
export type CardMemo = v.InferOutput<typeof CardMemo>;

export const NotifierState = v.object({ cards: v.record(v.string(), CardMemo) });
export type NotifierState = v.InferOutput<typeof NotifierState>;

export const SUMMARY_MAX_AGE_MS = 60 * 60_000;

/** Open proposals are bounded by tag pairs; this only guards against a state that never shrinks. */
export const MAX_CARDS = 2_000;

export type NotifierEffect =
  | {
      type: 'post.card';
      roomId: string;
      proposalId: string;
      fingerprint: string;
      markdown: string;
      attachments: CardAttachment[];
    }
  | { type: 'post.summary'; roomId: string; parentId?: string; markdown: string }
  | { type: 'mark.notified'; proposalId: string };

export interface NotifierInput {
  /** The subject's last token: created, updated, decided, … */
  event: string;
  /** The status the event announced. */
  status: string;
  /** The channel of the decision, on decided/applied/failed events. */
  channel?: string;
  /** As stored now (it may have moved on since the event); null when gone. */
  proposal: ProposalRecord | null;
  names: SgtDictionary;
  /** The tenant's room; null when the tenant has none. */
  roomId: string | null;
  card: CardMemo | undefined;
  /** How long ago the event was published. */
  ageMs: number;
}

export interface NotifierPlan {
  effects: NotifierEffect[];
  /** The proposal is settled: its card need not be remembered any longer. */
  forget: boolean;
}

const NOTHING: NotifierPlan = { effects: [], forget: false };

const SUMMARIES: Partial<Record<string, SummaryEvent>> = {
  [ProposalEvent.Decided]: SummaryEvent.Decided,
  [ProposalEvent.Applied]: SummaryEvent.Applied,
  [ProposalEvent.Failed]: SummaryEvent.Failed,
  [ProposalEvent.Expired]: SummaryEvent.Expired,
  [ProposalEvent.RolledBack]: SummaryEvent.RolledBack,
};

export function planNotifications(i: NotifierInput): NotifierPlan {
  const p = i.proposal;
  if (p === null || i.roomId === null) return NOTHING;
  if (i.event === ProposalEvent.Created || i.event === ProposalEvent.Updated) {
    // Decided before its card went out: the decision's summary says all there is to say.
    if (!isOpen(p.status as ProposalStatus)) return NOTHING;
    const fingerprint = cardFingerprint(p);
    if (i.card?.fingerprint === fingerprint) return NOTHING;
    const card = proposalCard(p, i.names, { updated: i.card !== undefined });
    const effects: NotifierEffect[] = [
      { type: 'post.card', roomId: i.roomId, proposalId: p.id, fingerprint, ...card },
    ];
    if (p.status === 'pending') effects.push({ type: 'mark.notified', proposalId: p.id });
    return { effects, forget: false };
  }
  const summary = SUMMARIES[i.event];
  if (summary === undefined) return NOTHING;
  const settled = summary !== SummaryEvent.Decided || i.status === 'rejected';
  const answered = i.channel === 'webex' && summary !== SummaryEvent.Expired;
  if (answered || i.ageMs > SUMMARY_MAX_AGE_MS) return { effects: [], forget: settled };
  return {
    effects: [
      {
        type: 'post.summary',
        roomId: i.roomId,
        ...(i.card ? { parentId: i.card.messageId } : {}),
        markdown: decisionSummary(p, i.names, summary, i.status),
      },
    ],
    forget: settled,
  };
}

/** The state with a proposal's latest card; the oldest memos go beyond MAX_CARDS. */
export function remember(state: NotifierState, proposalId: string, memo: CardMemo): NotifierState {
  const cards = { ...state.cards, [proposalId]: memo };
  const ids = Object.keys(cards);
  if (ids.length > MAX_CARDS) {
    ids.sort((a, b) => (cards[a]?.atMs ?? 0) - (cards[b]?.atMs ?? 0));
    for (const id of ids.slice(0, ids.length - MAX_CARDS)) delete cards[id];
  }
  return { cards };
}

export function forget(state: NotifierState, proposalId: string): NotifierState {
  if (!(proposalId in state.cards)) return state;
  const { [proposalId]: _, ...cards } = state.cards;
  return { cards };
}

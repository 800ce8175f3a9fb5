/**
 * What the bot says about a proposal after the card: one line per lifecycle
 * step (who decided, when, through which channel), the answer to a decision
 * that came too late ("already approved by X at T"), and the pending list.
 * Pure text builders; every untrusted string is escaped on the way in.
 */
import type { SgtDictionary } from '../../domain/types.ts';
import type { ProposalRecord } from '../../kv-schema/records.ts';
import { isUrgent } from './cards.ts';
import { channelWords, fitLines, idCode, mdText, pairLabel, plural, when } from './text.ts';

export const SummaryEvent = {
  Decided: 'decided',
  Applied: 'applied',
  Failed: 'failed',
  Expired: 'expired',
  RolledBack: 'rolled-back',
} as const;
export type SummaryEvent = (typeof SummaryEvent)[keyof typeof SummaryEvent];

type Decision = NonNullable<ProposalRecord['decision']>;

const who = (d: Decision): string => `${mdText(d.by, 120)} ${channelWords(d.channel)} at ${when(d.atMs)}`;
const reasonOf = (d: Decision | undefined): string => (d?.reason ? `\nReason: ${mdText(d.reason, 500)}` : '');

/**
 * The room's line for one lifecycle event. `status` is the status the event
 * announced (a `decided` event says approved or rejected), which the stored
 * proposal may have moved past by the time this is written.
 */
export function decisionSummary(
  p: ProposalRecord,
  names: SgtDictionary,
  event: SummaryEvent,
  status: string = p.status,
): string {
  const head = `${idCode(p.id)}: ${pairLabel(p.sgt, p.dgt, names)}`;
  const d = p.decision;
  switch (event) {
    case SummaryEvent.Decided:
      if (d === undefined) return `**${mdText(status, 32)}** ${head}`;
      return status === 'rejected'
        ? `🚫 **Rejected** ${head}, by ${who(d)}${reasonOf(d)}`
        : `✅ **Approved** ${head}, by ${who(d)}; writing the new matrix version${reasonOf(d)}`;
    case SummaryEvent.Applied:
      return (
        `📦 **Applied** ${head}: matrix version ${p.appliedVersion ?? '?'} is live` +
        (d ? ` (approved by ${who(d)})` : '')
      );
    case SummaryEvent.Failed:
      return (
        `⚠️ **Failed** ${head}: ${d ? `approved by ${who(d)}, but ` : ''}the new matrix version could not ` +
        `be written: ${mdText(p.failure ?? 'no reason given', 500)}`
      );
    case SummaryEvent.Expired:
      return `⌛ **Expired** ${head}: nobody decided by ${when(p.expiresAtMs)}`;
    case SummaryEvent.RolledBack:
      return (
        `↩️ **Rolled back** ${head}: matrix version ${p.appliedVersion ?? '?'} is no longer live, so its ` +
        'ACEs are not in force; a flow that needs them again is proposed again'
      );
  }
}

/** The answer to a decision that lost the race or came after the fact. */
export function alreadyDecided(p: ProposalRecord): string {
  const d = p.decision;
  if (d !== undefined) {
    const verb = p.status === 'rejected' ? 'rejected' : 'approved';
    const now = p.status === verb ? '' : ` (now ${mdText(p.status, 32)})`;
    return `${idCode(p.id)} is already ${verb} by ${who(d)}${now}.`;
  }
  if (p.status === 'expired') return `${idCode(p.id)} already expired at ${when(p.updatedAtMs)}.`;
  return `${idCode(p.id)} is ${mdText(p.status, 32)}.`;
}

/** `list pending`: the open proposals, newest first. */
export function pendingList(open: readonly ProposalRecord[], names: SgtDictionary, max = 20): string {
  if (open.length === 0) return 'No open proposals.';
  const lines = open.slice(0, max).map((p) => {
    const hits = p.aces.reduce((n, a) => n + a.hits, 0);
    return (
      `- ${idCode(p.id)} ${pairLabel(p.sgt, p.dgt, names)}: ${plural(p.aces.length, 'ACE')}, ` +
      `${plural(hits, 'hit')}${isUrgent(p) ? ' ⚠️ **urgent**' : ''}`
    );
  });
  return fitLines([
    `**${plural(open.length, 'open proposal')}**${open.length > max ? ` (newest ${max} shown)` : ''}`,
    ...lines,
    'Say `show <id>` for a proposal’s card.',
  ]);
}

export const HELP_TEXT = [
  'I understand:',
  '- `list pending`: the open proposals',
  '- `show <id>`: one proposal, with Approve and Reject buttons',
  '- `approve <id> [reason]`',
  '- `reject <id> [reason]`',
  '- `help`: this text',
  'In a group room, mention me first.',
].join('\n');

/**
 * Chat commands to the bot. In a group room WebEx only delivers messages that
 * mention the bot, and their text starts with the bot's name (in full, or the
 * first word when the mention was shortened), with or without `@`; that
 * prefix is stripped first. Anything not understood gets the help text.
 */

export const ChatVerb = {
  List: 'list',
  Show: 'show',
  Approve: 'approve',
  Reject: 'reject',
  Help: 'help',
} as const;
export type ChatVerb = (typeof ChatVerb)[keyof typeof ChatVerb];

export type ChatCommand =
  | { verb: typeof ChatVerb.List }
  | { verb: typeof ChatVerb.Show; proposalId: string }
  | { verb: typeof ChatVerb.Approve | typeof ChatVerb.Reject; proposalId: string; reason?: string }
  /** `problem` says what was wrong with the text, when something was recognisable. */
  | { verb: typeof ChatVerb.Help; problem?: string };

const PROPOSAL_ID = /^[-_a-zA-Z0-9]{1,64}$/;
const MAX_REASON = 2000;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The names a message may start with when it mentions the bot: its display
 * name and that name's first word, longest first.
 */
export function mentionNames(displayName: string | undefined): string[] {
  const full = displayName?.trim() ?? '';
  if (full === '') return [];
  const first = full.split(/\s+/)[0] ?? full;
  return [...new Set([full, first])].sort((a, b) => b.length - a.length);
}

/** The text without the leading mention of the bot (case-insensitive; `@`, `,` and `:` allowed). */
export function stripMention(text: string, names: readonly string[]): string {
  const trimmed = text.trim();
  for (const name of names) {
    const m = new RegExp(`^@?${escapeRegExp(name)}(?=$|[\\s,:])[\\s,:]*`, 'iu').exec(trimmed);
    if (m) return trimmed.slice(m[0].length).trim();
  }
  return trimmed;
}

/** One chat message (already without the mention) as a command. */
export function parseCommand(text: string): ChatCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const verb = words[0]?.toLowerCase();
  const rest = words.slice(1);
  switch (verb) {
    case 'list':
    case 'pending':
      if (rest.length === 0 || (verb === 'list' && rest.length === 1 && rest[0]?.toLowerCase() === 'pending'))
        return { verb: ChatVerb.List };
      return { verb: ChatVerb.Help, problem: 'did you mean `list pending`?' };
    case 'show':
    case 'approve':
    case 'reject': {
      const id = rest[0];
      if (id === undefined) return { verb: ChatVerb.Help, problem: `\`${verb}\` needs a proposal id` };
      if (!PROPOSAL_ID.test(id)) return { verb: ChatVerb.Help, problem: 'that is not a proposal id' };
      if (verb === 'show') return rest.length === 1 ? { verb, proposalId: id } : { verb: ChatVerb.Help };
      // The reason keeps the words as typed, single-spaced.
      const reason = rest.slice(1).join(' ').slice(0, MAX_REASON);
      return reason === '' ? { verb, proposalId: id } : { verb, proposalId: id, reason };
    }
    default:
      return { verb: ChatVerb.Help };
  }
}

/** Mention stripping and parsing in one. */
export const chatCommand = (text: string, botDisplayName: string | undefined): ChatCommand =>
  parseCommand(stripMention(text, mentionNames(botDisplayName)));

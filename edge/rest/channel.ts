/**
 * Which channel a change came through, for proposal histories, decisions and
 * audit records. REST callers are `api`; the MCP server calls the same routes
 * and says so with two headers:
 *
 *   x-scopilot-channel: mcp          (only `api` or `mcp`; anything else is a 400)
 *   x-scopilot-client:  claude-code  (the MCP client's name, a short label)
 *
 * This is safe to take from a request because it names no one: the identity
 * always comes from authentication. The actor recorded is the principal's
 * subject with the client appended (`alice@example.com (claude-code)`), so a
 * caller can add a label to its own name but never act as someone else. Only
 * `api` and `mcp` are accepted: the channels with their own authenticated
 * front doors (WebEx, the UI, the system) cannot be claimed through a header.
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import type { Principal } from '../auth.ts';
import type { ApiEnv } from './deps.ts';
import { parseWith } from './validate.ts';

export const CHANNEL_HEADER = 'x-scopilot-channel';
export const CLIENT_HEADER = 'x-scopilot-client';

/** A recorded actor is at most this long (DecideCommand's `by`). */
const ACTOR_MAX = 200;

export const ChannelHeader = v.picklist(['api', 'mcp'], 'must be api or mcp');
export type ApiChannel = v.InferOutput<typeof ChannelHeader>;

/** A client name as a label: letters, digits and a little punctuation, so an audit line cannot be forged. */
export const ClientLabel = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][-A-Za-z0-9._ @/+]{0,63}$/, 'must be 1-64 letters, digits or -._ @/+'),
);

/** A client name cleaned up to fit ClientLabel (`mcp-client` when nothing is left). */
export function clientLabel(name: string | undefined): string {
  const cleaned = (name ?? '')
    .replace(/[^-A-Za-z0-9._ @/+]/g, '')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
    .trim();
  return cleaned === '' ? 'mcp-client' : cleaned;
}

export interface Actor {
  channel: ApiChannel;
  /** The subject, labelled with the client when one was named. */
  by: string;
  /** Whether `by` carries a label (and so differs from the subject). */
  labelled: boolean;
}

/** `alice (claude-code)`; the subject is shortened, never the label, when both do not fit. */
export function actorName(subject: string, client: string | undefined): string {
  if (client === undefined) return subject.slice(0, ACTOR_MAX);
  const suffix = ` (${client})`;
  return `${subject.slice(0, ACTOR_MAX - suffix.length)}${suffix}`;
}

/** The request's channel and actor; a bad header is a 400 problem naming it. */
export function actorOf(c: Context<ApiEnv>, principal: Principal = c.get('principal')): Actor {
  const rawChannel = c.req.header(CHANNEL_HEADER);
  const rawClient = c.req.header(CLIENT_HEADER);
  const channel =
    rawChannel === undefined ? 'api' : parseWith(ChannelHeader, rawChannel.trim(), CHANNEL_HEADER);
  const client =
    rawClient === undefined ? undefined : parseWith(ClientLabel, rawClient.trim(), CLIENT_HEADER);
  return { channel, by: actorName(principal.subject, client), labelled: client !== undefined };
}

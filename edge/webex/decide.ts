/**
 * A decision from WebEx is the same `cmd.decide` request the REST API sends
 * (edge/rest/commands.ts), to the same matrix keeper, with channel `webex`
 * and the person's email as the actor. Here the keeper's reply is kept as a
 * CommandReply (a chat answer, not an HTTP status); a keeper that does not
 * answer becomes a sentence the room can act on.
 */
import * as v from 'valibot';
import { EngineClosedError, RpcNoRespondersError, RpcTimeoutError } from '../../engine/errors.ts';
import type { Engine } from '../../engine/types.ts';
import { CommandReply, CommandVerb, type DecideCommand, type Subjects } from '../../streams/mod.ts';
import { KEEPER_TIMEOUT_MS } from '../rest/commands.ts';

export type DecideOutcome =
  | { kind: 'reply'; reply: CommandReply }
  /** No keeper answered: nothing is known to have happened. */
  | { kind: 'unavailable'; detail: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function requestDecision(
  engine: Engine,
  subjects: Subjects,
  tenant: string,
  command: DecideCommand,
): Promise<DecideOutcome> {
  const subject = subjects.command(tenant, CommandVerb.Decide);
  let bytes: Uint8Array;
  try {
    bytes = await engine.rpc.request(subject, encoder.encode(JSON.stringify(command)), KEEPER_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof RpcNoRespondersError || error instanceof EngineClosedError) {
      return { kind: 'unavailable', detail: 'the matrix keeper is not running; try again shortly' };
    }
    if (error instanceof RpcTimeoutError) {
      return {
        kind: 'unavailable',
        detail:
          'the matrix keeper did not answer in time; the decision may still have been recorded, so check before repeating it',
      };
    }
    throw error;
  }
  let raw: unknown = null;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch {
    // an unreadable reply is reported below
  }
  const reply = v.safeParse(CommandReply, raw);
  if (!reply.success) return { kind: 'unavailable', detail: 'the matrix keeper sent an unreadable reply' };
  return { kind: 'reply', reply: reply.output };
}

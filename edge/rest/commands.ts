/**
 * Commands the edge does not carry out itself (DESIGN §4): decisions and
 * rollbacks go to the matrix keeper over Rpc, and its CommandReply becomes an
 * HTTP answer here, in one place, so every route maps the keeper alike:
 *
 *   ok                                        → 200, the reply as JSON
 *   NOT_FOUND                                 → 404
 *   ALREADY_DECIDED, INVALID_TRANSITION,
 *   STALE, CONFLICT                           → 409
 *   FOUR_EYES                                 → 403
 *   BAD_REQUEST                               → 400
 *   APPLY_FAILED                              → 500: the approval is recorded and the proposal is now
 *                                               `failed`, so repeating cannot help (a repeat answers
 *                                               409); 502/503 would invite exactly that retry.
 *   no keeper serving, no answer in time,
 *   engine closed                             → 503 with Retry-After (after a timeout the command may
 *                                               still have been applied; a repeat is safe: it
 *                                               answers 409 if it was)
 *   an unreadable reply                       → 502
 *
 * Every problem carries the keeper's `code` as an extension.
 */
import * as v from 'valibot';
import { EngineClosedError, RpcNoRespondersError, RpcTimeoutError } from '../../engine/errors.ts';
import {
  CommandErrorCode,
  CommandReply,
  type CommandVerb,
  type DecideCommand,
  type RollbackCommand,
} from '../../streams/mod.ts';
import { problem } from '../problem.ts';
import type { ApiDeps } from './deps.ts';

/** How long the edge waits for the keeper: an approval writes a version and a few events. */
export const KEEPER_TIMEOUT_MS = 10_000;
const RETRY_AFTER_SECONDS = '5';

const STATUS: Record<CommandErrorCode, { status: number; title: string }> = {
  [CommandErrorCode.BadRequest]: { status: 400, title: 'Bad request' },
  [CommandErrorCode.NotFound]: { status: 404, title: 'Not found' },
  [CommandErrorCode.AlreadyDecided]: { status: 409, title: 'Conflict' },
  [CommandErrorCode.InvalidTransition]: { status: 409, title: 'Conflict' },
  [CommandErrorCode.Conflict]: { status: 409, title: 'Conflict' },
  [CommandErrorCode.Stale]: { status: 409, title: 'Conflict' },
  [CommandErrorCode.FourEyes]: { status: 403, title: 'Forbidden' },
  [CommandErrorCode.ApplyFailed]: { status: 500, title: 'Apply failed' },
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function unavailable(detail: string, code: string): Response {
  const res = problem({ title: 'Service unavailable', status: 503, detail, code });
  res.headers.set('retry-after', RETRY_AFTER_SECONDS);
  return res;
}

/** The keeper's reply as HTTP (see the module comment for the mapping). */
export function replyResponse(reply: CommandReply): Response {
  if (reply.ok) return Response.json(reply);
  const { status, title } = STATUS[reply.code];
  return problem({ title, status, detail: reply.message, code: reply.code });
}

/** Send one command to the tenant's matrix keeper and answer with its reply. */
export async function sendCommand(
  deps: ApiDeps,
  tenant: string,
  verb: typeof CommandVerb.Decide | typeof CommandVerb.Rollback,
  command: DecideCommand | RollbackCommand,
): Promise<Response> {
  const subject = deps.subjects.command(tenant, verb);
  let bytes: Uint8Array;
  try {
    bytes = await deps.engine.rpc.request(
      subject,
      encoder.encode(JSON.stringify(command)),
      KEEPER_TIMEOUT_MS,
    );
  } catch (error) {
    if (error instanceof RpcNoRespondersError || error instanceof EngineClosedError) {
      return unavailable('the matrix keeper is not running; try again shortly', error.code);
    }
    if (error instanceof RpcTimeoutError) {
      return unavailable(
        `the matrix keeper did not answer within ${KEEPER_TIMEOUT_MS} ms; the command may still ` +
          'have been applied, so check before repeating it',
        error.code,
      );
    }
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch {
    raw = null;
  }
  const reply = v.safeParse(CommandReply, raw);
  if (!reply.success) {
    deps.logger.error({ subject }, 'matrix keeper sent an unreadable reply');
    return problem({
      title: 'Bad gateway',
      status: 502,
      detail: 'the matrix keeper sent an unreadable reply',
    });
  }
  return replyResponse(reply.output);
}

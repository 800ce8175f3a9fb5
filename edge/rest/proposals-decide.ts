/**
 * POST /api/v1/proposals/decide: many proposals approved or rejected in one
 * request (review in bulk). The matrix keeper decides each on its own (stale
 * ACEs, four-eyes, already decided; each audited) and folds every approval
 * into ONE new version; the answer lists each proposal's outcome. A refusal
 * of one proposal does not stop the others, so the answer is 200 whenever
 * the keeper answered; BAD_REQUEST and an unavailable keeper map as for one
 * decision (commands.ts).
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import { EngineClosedError, RpcNoRespondersError, RpcTimeoutError } from '../../engine/errors.ts';
import { CommandVerb, DECIDE_MANY_MAX, type DecideManyCommand, DecideManyReply } from '../../streams/mod.ts';
import { problem } from '../problem.ts';
import { actorOf } from './channel.ts';
import { replyResponse } from './commands.ts';
import { type ApiDeps, type ApiEnv, principalOf } from './deps.ts';
import { ProposalIdParam } from './params.ts';
import { jsonBody } from './validate.ts';

/** A batch waits longer than one decision: each proposal is read, written and audited. */
export const BATCH_TIMEOUT_MS = 60_000;

export const DecideManyBody = v.pipe(
  v.object({
    action: v.picklist(['approve', 'reject']),
    proposals: v.pipe(
      v.array(
        v.object({
          id: ProposalIdParam,
          aces: v.optional(
            v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/, 'must be the aceFingerprint you reviewed')),
          ),
        }),
      ),
      v.minLength(1),
      v.maxLength(DECIDE_MANY_MAX),
    ),
    reason: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  }),
  v.check((b) => b.action === 'approve' || (b.reason ?? '').trim() !== '', 'a rejection needs a reason'),
);
export type DecideManyBody = v.InferOutput<typeof DecideManyBody>;

/** The answer: each proposal's outcome by `id`, the version the approvals made, and counts. */
export const DecideManyAnswer = v.object({
  action: v.picklist(['approve', 'reject']),
  version: v.nullable(v.number()),
  decided: v.number(),
  refused: v.number(),
  outcomes: v.array(
    v.object({
      id: v.string(),
      ok: v.boolean(),
      status: v.optional(v.string()),
      code: v.optional(v.string()),
      message: v.optional(v.string()),
    }),
  ),
});
export type DecideManyAnswer = v.InferOutput<typeof DecideManyAnswer>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function unavailable(detail: string, code: string): Response {
  const res = problem({ title: 'Service unavailable', status: 503, detail, code });
  res.headers.set('retry-after', '5');
  return res;
}

/** Send a batch decision to the tenant's keeper; its reply, or the Response to answer instead. */
export async function sendDecideMany(
  deps: ApiDeps,
  tenant: string,
  command: DecideManyCommand,
): Promise<DecideManyAnswer | Response> {
  let bytes: Uint8Array;
  try {
    bytes = await deps.engine.rpc.request(
      deps.subjects.command(tenant, CommandVerb.DecideMany),
      encoder.encode(JSON.stringify(command)),
      BATCH_TIMEOUT_MS,
    );
  } catch (error) {
    if (error instanceof RpcNoRespondersError || error instanceof EngineClosedError)
      return unavailable('the matrix keeper is not running; try again shortly', error.code);
    if (error instanceof RpcTimeoutError)
      return unavailable(
        `the matrix keeper did not answer within ${BATCH_TIMEOUT_MS} ms; some proposals may have been ` +
          'decided, so list them before repeating',
        error.code,
      );
    throw error;
  }
  let raw: unknown = null;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch {
    raw = null;
  }
  const reply = v.safeParse(DecideManyReply, raw);
  if (!reply.success)
    return problem({
      title: 'Bad gateway',
      status: 502,
      detail: 'the matrix keeper sent an unreadable reply',
    });
  const r = reply.output;
  if (!r.ok) return replyResponse(r);
  const outcomes = r.outcomes.map(({ proposalId, ...rest }) => ({ id: proposalId, ...rest }));
  return {
    action: r.decision,
    version: r.version,
    decided: outcomes.filter((o) => o.ok).length,
    refused: outcomes.filter((o) => !o.ok).length,
    outcomes,
  };
}

export const decideManyHandler = (deps: ApiDeps) => async (c: Context<ApiEnv>) => {
  const body = await jsonBody(c, DecideManyBody);
  const principal = principalOf(c);
  const actor = actorOf(c, principal);
  const answer = await sendDecideMany(deps, principal.tenant, {
    decision: body.action,
    proposals: body.proposals.map((p) => ({
      proposalId: p.id,
      ...(p.aces === undefined ? {} : { aces: p.aces }),
    })),
    by: actor.by,
    channel: actor.channel,
    ...(actor.labelled ? { identity: principal.subject } : {}),
    ...(body.reason?.trim() ? { reason: body.reason.trim() } : {}),
  });
  return answer instanceof Response ? answer : c.json(answer);
};

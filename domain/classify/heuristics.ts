/**
 * The heuristic classifier (DESIGN §7, last stage): well-known services from
 * knowledge.ts combined with SGT name semantics from roles.ts, judged by the
 * ordered rules in rules.ts. It always answers, so it is also what a batch
 * falls back to when the model fails.
 */
import { type FlowKey, flowId } from '../flow.ts';
import { type Classification, ClassificationSource } from '../types.ts';
import { infrastructureService, replyServiceFor, type Service, serviceFor } from './knowledge.ts';
import { rolesOf } from './roles.ts';
import { type Ctx, type Decision, fallback, RULES } from './rules.ts';
import { cleanUntrusted } from './untrusted.ts';

export type { Decision } from './rules.ts';

export interface HeuristicInput {
  key: FlowKey;
  srcName?: string;
  dstName?: string;
}

const label = (tag: number, name: string | undefined): string =>
  name === undefined ? (tag === 0 ? 'Unknown (0)' : `SGT ${tag}`) : `${cleanUntrusted(name)} (${tag})`;

const describe = (protocol: string, port: FlowKey['dstPort'], s: Service | null): string => {
  const proto = /^\d+$/.test(protocol) ? `IP protocol ${protocol}` : protocol;
  const at = typeof port === 'number' ? `${proto}/${port}` : proto;
  return s === null ? at : `${s.name} (${at})`;
};

/** The heuristic decision for a flow, without the Classification envelope. */
export function decideHeuristic(input: HeuristicInput): Decision {
  const { key } = input;
  const forward = serviceFor(key);
  const reply = forward === null ? replyServiceFor(key) : null;
  // A reply is judged as the request it answers: roles swapped, the source port's service.
  const [sgt, dgt, srcName, dstName] =
    reply === null
      ? [key.sgt, key.dgt, input.srcName, input.dstName]
      : [key.dgt, key.sgt, input.dstName, input.srcName];
  const ctx: Ctx = {
    src: rolesOf(sgt, srcName),
    dst: rolesOf(dgt, dstName),
    service: forward ?? reply,
    infrastructure: infrastructureService(key),
    what:
      reply === null
        ? describe(key.protocol, key.dstPort, forward)
        : describe(key.protocol, key.srcPort, reply),
    srcLabel: label(sgt, srcName),
    dstLabel: label(dgt, dstName),
  };
  let d: Decision | null = null;
  for (const rule of RULES) {
    d = rule(ctx);
    if (d !== null) break;
  }
  const decision = d ?? fallback(ctx);
  return reply === null ? decision : { ...decision, rationale: `reply traffic — ${decision.rationale}` };
}

export function classifyHeuristic(input: HeuristicInput, nowMs: number): Classification {
  return {
    flowId: flowId(input.key),
    ...decideHeuristic(input),
    source: ClassificationSource.Heuristic,
    atMs: nowMs,
  };
}

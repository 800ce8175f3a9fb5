/**
 * The heuristic classifier (DESIGN §7, last stage): the flow's service
 * (knowledge.ts, named from the IANA registry when the table has no entry),
 * each tag's class (classes.ts: explicit, else inferred from the name), the
 * rules in rules.ts and zones.ts, the tenant's priors (priors.ts), and a
 * calibration step: a verdict below the review threshold becomes
 * `needs_review` — denied until a person decides, never a silent permit. It
 * always answers, so it is also what a batch falls back to.
 */
import { type FlowKey, flowId } from '../flow.ts';
import { Category, type Classification, ClassificationSource, categoryAction, Risk } from '../types.ts';
import { profileOf, type SgtClasses, type TagProfile } from './classes.ts';
import { infrastructureService, replyServiceFor, type Service, serviceFor } from './knowledge.ts';
import { applyPrior, type Priors, priorKey } from './priors.ts';
import { registered } from './registry.ts';
import { type Ctx, classPairRule, type Decision, fallback, infrastructureRule } from './rules.ts';
import { cleanUntrusted } from './untrusted.ts';
import type { NetworkShape } from './zones.ts';

export type { Decision } from './rules.ts';

/** Below this confidence a verdict is shown as `needs_review` and denied until a person decides. */
export const REVIEW_THRESHOLD = 0.6;

export interface HeuristicInput {
  key: FlowKey;
  srcName?: string;
  dstName?: string;
  /** Explicit classes by tag (dictionary column, API, ISE description). */
  classes?: SgtClasses;
  priors?: Priors;
  /** What the tenant's dictionary says about the network as a whole (networkShape). */
  network?: NetworkShape;
}

/** The network's shape from its dictionary: whether an application tier exists. */
export function networkShape(names: ReadonlyMap<number, string>, classes?: SgtClasses): NetworkShape {
  for (const [tag, name] of names)
    if (profileOf(tag, name, classes?.get(tag)).cls === 'server.app') return { appTier: true };
  for (const cls of classes?.values() ?? []) if (cls === 'server.app') return { appTier: true };
  return {};
}

const label = (tag: number, name: string | undefined): string =>
  name === undefined ? (tag === 0 ? 'Unknown (0)' : `SGT ${tag}`) : `${cleanUntrusted(name)} (${tag})`;

/** `SSH (tcp/22)`, `tcp/5666 (IANA: nrpe)` or `tcp/47000`. */
export const describe = (protocol: string, port: FlowKey['dstPort'], s: Service | null): string => {
  const proto = /^\d+$/.test(protocol) ? `IP protocol ${protocol}` : protocol;
  const at = typeof port === 'number' ? `${proto}/${port}` : proto;
  if (s !== null) return `${s.name} (${at})`;
  const iana = typeof port === 'number' ? registered(protocol, port) : null;
  return iana === null ? at : `${at} (IANA: ${iana.name})`;
};

/** The service name a prior is kept under: the knowledge table's name, else `proto/port`. */
export const serviceLabel = (key: FlowKey, s: Service | null): string =>
  s?.name ?? (typeof key.dstPort === 'number' ? `${key.protocol}/${key.dstPort}` : key.protocol);

export interface FlowView {
  ctx: Ctx;
  reply: boolean;
  src: TagProfile;
  dst: TagProfile;
}

/** The flow as the rules see it: a reply is turned into the request it answers. */
export function viewOf(input: HeuristicInput): FlowView {
  const { key } = input;
  const forward = serviceFor(key);
  const reply = forward === null ? replyServiceFor(key) : null;
  const swap = reply !== null;
  const [sgt, dgt, srcName, dstName] = swap
    ? [key.dgt, key.sgt, input.dstName, input.srcName]
    : [key.sgt, key.dgt, input.srcName, input.dstName];
  const src = profileOf(sgt, srcName, input.classes?.get(sgt));
  const dst = profileOf(dgt, dstName, input.classes?.get(dgt));
  const ctx: Ctx = {
    src,
    dst,
    service: forward ?? reply,
    infrastructure: infrastructureService(key),
    what: swap ? describe(key.protocol, key.srcPort, reply) : describe(key.protocol, key.dstPort, forward),
    srcLabel: label(sgt, srcName),
    dstLabel: label(dgt, dstName),
    ...(input.network ? { network: input.network } : {}),
  };
  return { ctx, reply: swap, src, dst };
}

/** Low confidence becomes review: the safe deny, flagged, with the guess kept in the rationale. */
export function calibrate(d: Decision): Decision & { needsReview?: true } {
  if (d.confidence >= REVIEW_THRESHOLD) return d;
  const deny = categoryAction(d.category) === 'deny';
  return {
    ...d,
    category: deny ? d.category : Category.BusinessIrrelevant,
    risk: d.risk === Risk.Low ? Risk.Medium : d.risk,
    needsReview: true,
    rationale: `needs review (confidence ${d.confidence.toFixed(2)}; best guess ${d.category}): ${d.rationale}`,
  };
}

/** The heuristic decision for a flow, without the Classification envelope. */
export function decideHeuristic(input: HeuristicInput): Decision & { needsReview?: true } {
  const { ctx, reply } = viewOf(input);
  const raw = infrastructureRule(ctx) ?? classPairRule(ctx) ?? fallback(ctx);
  const service = serviceLabel(input.key, ctx.service);
  const taught = raw.rule.startsWith('infrastructure')
    ? raw
    : applyPrior(raw, input.priors?.get(priorKey(ctx.src.cls, ctx.dst.cls, service)));
  const d = calibrate(taught);
  const rationale = `${reply ? 'reply traffic — ' : ''}${d.rationale} [confidence ${d.confidence.toFixed(2)}]`;
  return { ...d, rationale };
}

export function classifyHeuristic(input: HeuristicInput, nowMs: number): Classification {
  const d = decideHeuristic(input);
  return {
    flowId: flowId(input.key),
    category: d.category,
    risk: d.risk,
    rationale: d.rationale,
    source: ClassificationSource.Heuristic,
    atMs: nowMs,
    confidence: d.confidence,
    rule: d.rule,
    ...(d.needsReview === true ? { needsReview: true } : {}),
  };
}

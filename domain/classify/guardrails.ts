/**
 * The guardrail floor (DESIGN §7): rules that run before the cache and the
 * model and that no model output can lower. A destination threat intel calls
 * malicious, a port tied to abuse (abuse.ts) in the scope its entry names, or
 * a zone rule marked `floor` (zones.ts) denies the flow whatever else says
 * otherwise — so a model that answers `business_relevant` to everything, or
 * one steered by text in the logs, still gets every harmful pattern denied.
 * Infrastructure (knowledge.ts) is never denied by a zone floor: only threat
 * evidence or an abuse port overrides it.
 */
import { type FlowKey, flowId } from '../flow.ts';
import { Category, type Classification, ClassificationSource, Risk } from '../types.ts';
import { inPorts, PORT_RULES, type PortRule, Scope } from './abuse.ts';
import {
  isClass,
  isDevice,
  isOutside,
  isPeople,
  profileOf,
  type SgtClasses,
  type TagProfile,
} from './classes.ts';
import { viewOf } from './heuristics.ts';
import type { ThreatVerdict } from './types.ts';
import { cleanUntrusted } from './untrusted.ts';
import { matchZone } from './zones.ts';

export { PORT_RULES, type PortRule, Scope } from './abuse.ts';

const inScope = (scope: Scope, src: TagProfile, dst: TagProfile): boolean => {
  switch (scope) {
    case Scope.Anywhere:
      return true;
    case Scope.ToOutside:
      return isOutside(dst);
    case Scope.ToPeople:
      return (isPeople(src) || isDevice(src)) && isPeople(dst);
    case Scope.NotRelayToOutside:
      return isOutside(dst) && !isClass(src, 'server.mail_relay');
    case Scope.NotGuestToOutside:
      return isOutside(dst) && !isClass(src, 'guests');
  }
};

export interface GuardrailInput {
  key: FlowKey;
  srcName?: string;
  dstName?: string;
  /** Explicit classes by tag. */
  classes?: SgtClasses;
  /** Verdicts about the flow's destination addresses. */
  threat?: readonly ThreatVerdict[];
}

/** The first abuse-port rule that applies to this flow (by its destination port), if any. */
export function matchPortRule(
  key: FlowKey,
  srcName?: string,
  dstName?: string,
  classes?: SgtClasses,
): PortRule | null {
  if (typeof key.dstPort !== 'number') return null;
  const port = key.dstPort;
  const src = profileOf(key.sgt, srcName, classes?.get(key.sgt));
  const dst = profileOf(key.dgt, dstName, classes?.get(key.dgt));
  return (
    PORT_RULES.find(
      (r) => r.protocol === key.protocol && inPorts(r.ports, port) && inScope(r.scope, src, dst),
    ) ?? null
  );
}

const describeVerdict = (v: ThreatVerdict): string => {
  const score = v.score === undefined ? '' : ` (score ${v.score})`;
  const reason = v.reason === undefined ? '' : `: ${cleanUntrusted(v.reason, 120)}`;
  return `${cleanUntrusted(v.provider, 32)}${score}${reason}`;
};

/** A deny when a floor rule applies, otherwise null (the later stages decide). */
export function guardrail(input: GuardrailInput, nowMs: number): Classification | null {
  const id = flowId(input.key);
  const base = { flowId: id, source: ClassificationSource.Guardrail, atMs: nowMs, confidence: 1 } as const;
  const malicious = (input.threat ?? []).filter((v) => v.malicious);
  if (malicious.length > 0) {
    return {
      ...base,
      category: Category.Harmful,
      risk: Risk.Critical,
      rule: 'guardrail:threat-intel',
      rationale: `guardrail: threat intel flags the destination as malicious — ${malicious.map(describeVerdict).join('; ')}`,
    };
  }
  const port = matchPortRule(input.key, input.srcName, input.dstName, input.classes);
  if (port !== null) {
    return {
      ...base,
      category: port.category,
      risk: port.risk,
      rule: `guardrail:port:${input.key.protocol}/${input.key.dstPort}`,
      rationale: `guardrail: ${input.key.protocol}/${input.key.dstPort} — ${port.reason}`,
    };
  }
  const { ctx } = viewOf(input);
  if (ctx.infrastructure !== null) return null;
  const zone = matchZone(ctx.src, ctx.dst, ctx.service);
  if (zone === null || zone.floor !== true) return null;
  return {
    ...base,
    category: zone.verdict,
    risk: zone.risk,
    rule: `guardrail:zone:${zone.id}`,
    rationale: `guardrail: zone rule ${zone.id} (${ctx.src.cls} → ${ctx.dst.cls}): ${zone.why} — ${ctx.srcLabel} → ${ctx.dstLabel} on ${ctx.what}`,
  };
}

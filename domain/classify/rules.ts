/**
 * The heuristic rules, in order: infrastructure first (whoever sends it),
 * then the zone rules (zones.ts), then the rules of ordinary traffic between
 * classes below, then a fallback that asks for review. Every rule is data on
 * a class pair and a service kind, with a confidence and a reason that holds
 * on any network; heuristics.ts builds the context and calibrates.
 */
import { Category, Risk } from '../types.ts';
import { isClass, isPeople, type TagProfile } from './classes.ts';
import type { Service } from './knowledge.ts';
import { TRAFFIC_RULES } from './traffic-rules.ts';
import { matchZone, type NetworkShape, type ZoneRule } from './zones.ts';

export { TRAFFIC_RULES } from './traffic-rules.ts';

export interface Decision {
  category: Category;
  risk: Risk;
  rationale: string;
  /** 0–1: how sure the rule and the tag classes it rests on make this verdict. */
  confidence: number;
  /** The rule that decided (a zone rule's id, `infrastructure`, `fallback`, a prior). */
  rule: string;
  /** A zone floor: the guardrail applies it too, and no prior or model lowers it. */
  floor?: boolean;
}

/** What the rules see of a flow (a reply is already turned into its request). */
export interface Ctx {
  src: TagProfile;
  dst: TagProfile;
  service: Service | null;
  /** The infrastructure service the flow carries (knowledge.ts `infrastructureService`), whatever its tags. */
  infrastructure: Service | null;
  /** `SSH (tcp/22)` or `tcp/47000 (registered: foo)`. */
  what: string;
  srcLabel: string;
  dstLabel: string;
  network?: NetworkShape;
}

const C = Category;

/** Infrastructure first, whoever sends it: denying it breaks the network, and readiness flags the same flows. */
const NAD_ONLY = ['RADIUS', 'RADIUS CoA', 'TACACS+', 'SXP', 'ISE TrustSec REST'];

export function infrastructureRule(c: Ctx): Decision | null {
  const infra = c.infrastructure;
  if (infra === null) return null;
  const what = infra === c.service ? c.what : infra.name;
  const endpoint =
    isPeople(c.src) || isClass(c.src, 'quarantine', 'iot', 'building', 'clinical.device', 'ot.plc');
  if (endpoint && NAD_ONLY.includes(infra.name)) {
    return {
      category: C.Default,
      risk: Risk.High,
      confidence: 0.7,
      rule: 'infrastructure-out-of-place',
      rationale:
        `${what} is spoken by network devices and ISE, not usually by ${c.srcLabel}: kept permitted, ` +
        'since denying infrastructure breaks the network; check why this group sends it',
    };
  }
  return {
    category: C.BusinessRelevant,
    risk: Risk.Critical,
    confidence: 0.95,
    rule: 'infrastructure',
    rationale: `infrastructure: ${what} — ${infra.rationale}; denying it breaks the network`,
  };
}

/** How much the tag classes behind a rule can be trusted: a rule on guessed classes is only as sure as the guess. */
const classTrust = (c: Ctx): number => 0.6 + 0.4 * Math.min(c.src.confidence, c.dst.confidence);

const fromRule = (z: ZoneRule, c: Ctx): Decision => ({
  category: z.verdict,
  risk: z.risk,
  confidence: Math.round(z.confidence * classTrust(c) * 100) / 100,
  rule: z.id,
  ...(z.floor === true ? { floor: true } : {}),
  rationale: `${z.floor === true ? 'zone rule' : 'rule'} ${z.id} (${c.src.cls} → ${c.dst.cls}): ${z.why} — ${c.srcLabel} → ${c.dstLabel} on ${c.what}`,
});

/** The first zone or traffic rule for the flow, or null. */
export function classPairRule(c: Ctx): Decision | null {
  const z =
    matchZone(c.src, c.dst, c.service, undefined, c.network) ??
    matchZone(c.src, c.dst, c.service, TRAFFIC_RULES, c.network);
  return z === null ? null : fromRule(z, c);
}

/** When no rule applies: a guess that needs a person. */
export const fallback = (c: Ctx): Decision => ({
  category: C.Default,
  risk: Risk.Medium,
  confidence: c.service === null ? 0.3 : 0.5,
  rule: 'fallback',
  rationale:
    c.service === null
      ? `${c.srcLabel} (${c.src.cls}) → ${c.dstLabel} (${c.dst.cls}): no rule covers ${c.what}`
      : `${c.srcLabel} (${c.src.cls}) → ${c.dstLabel} (${c.dst.cls}): ${c.what} — ${c.service.rationale}; no rule covers this pair`,
});

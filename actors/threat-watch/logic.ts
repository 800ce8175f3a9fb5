/**
 * The threat watch's pure part: which destinations of a batch of observed
 * deltas to ask about, and — once threat intel has answered — the
 * `flows.unknown` messages (trigger `threat`, with the verdict trail) that
 * make the classifier's guardrail propose a deny.
 */
import { flowId } from '../../domain/flow.ts';
import type { ThreatAssessment } from '../../domain/threat/mod.ts';
import type { PublishEffect } from '../../engine/actor/types.ts';
import {
  checked,
  envelope,
  type FlowObserved,
  FlowUnknown,
  type Subjects,
  type ThreatVerdictEntry,
} from '../../streams/mod.ts';

/** The port the watch asks through (integrations/threat-intel implements it). */
export interface ThreatLookup {
  lookup(ip: string): Promise<ThreatAssessment>;
}

/** Every distinct destination sample of the batch, in first-seen order. */
export function destinationsOf(deltas: readonly FlowObserved[]): string[] {
  return [...new Set(deltas.flatMap((d) => d.dstSamples))];
}

/**
 * The trail a reviewer reads: each provider that answered, and the decision
 * rule when it was the providers' agreement rather than one of them that
 * called the destination malicious (the guardrail needs one malicious entry).
 */
export function trailOf(a: ThreatAssessment): ThreatVerdictEntry[] {
  const answered = a.verdicts.filter((v) => v.outcome !== 'no_answer');
  const trail: ThreatVerdictEntry[] = answered.map((v) => ({
    ip: a.ip,
    provider: v.provider.slice(0, 32),
    malicious: v.outcome === 'malicious',
    ...(v.score === undefined ? {} : { score: Math.max(0, Math.min(100, v.score)) }),
    categories: v.categories.slice(0, 16).map((c) => c.slice(0, 48)),
    ...(v.detail === undefined ? {} : { reason: v.detail.slice(0, 300) }),
    checkedAtMs: v.checkedAtMs,
  }));
  if (a.malicious && !trail.some((v) => v.malicious)) {
    trail.push({
      ip: a.ip,
      provider: 'consensus',
      malicious: true,
      reason: a.reasons.join('; ').slice(0, 300),
    });
  }
  return trail;
}

export interface ThreatFlowsInput {
  subjects: Subjects;
  tenant: string;
  deltas: readonly FlowObserved[];
  /** Assessments of malicious destinations, by address. */
  malicious: ReadonlyMap<string, ThreatAssessment>;
  /** (flow id, address) pairs already reported: not reported again. */
  reported: (flowId: string, ip: string) => boolean;
  nowMs: number;
}

/** One `flows.unknown` per (flow, malicious destination) not reported before. */
export function threatFlows(input: ThreatFlowsInput): {
  effects: PublishEffect[];
  reported: [string, string][];
} {
  const { subjects, tenant, nowMs } = input;
  const effects: PublishEffect[] = [];
  const reported: [string, string][] = [];
  const seen = new Set<string>();
  for (const d of input.deltas) {
    const id = flowId(d);
    for (const ip of d.dstSamples) {
      const assessment = input.malicious.get(ip);
      const pair = `${id} ${ip}`;
      if (assessment === undefined || seen.has(pair) || input.reported(id, ip)) continue;
      seen.add(pair);
      reported.push([id, ip]);
      // The trigger reference names the destination: repeated hits of it ask for the same proposal.
      const msgId = `threat:${tenant}:${id}:${ip}`;
      const data = checked(FlowUnknown, {
        flowId: id,
        sgt: d.sgt,
        dgt: d.dgt,
        protocol: d.protocol,
        srcPort: d.srcPort,
        dstPort: d.dstPort,
        hits: d.hits,
        trigger: 'threat',
        triggerRef: `threat:${ip}`,
        verdicts: trailOf(assessment),
      });
      effects.push({
        type: 'publish',
        subject: subjects.flowsUnknown(tenant),
        msgId,
        message: envelope({ id: msgId, tenant, at: new Date(nowMs).toISOString(), by: 'threat-watch', data }),
      });
    }
  }
  return { effects, reported };
}

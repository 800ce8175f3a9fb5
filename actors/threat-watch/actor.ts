/**
 * The threat watch on the engine: every tenant's observed deltas, in batches;
 * each destination not looked at recently is checked with threat intel, and a
 * flow towards a malicious one goes to the classifier as `trigger: threat`,
 * where the guardrail makes it an urgent deny proposal.
 *
 * What was checked and reported is remembered per tenant in this process, so
 * steady traffic costs no lookups; across processes and restarts the verdict
 * cache (in KV) spares the providers, and msgIds plus the proposer's
 * idempotency key keep a repeated report from making a second proposal.
 */
import * as v from 'valibot';
import type { ThreatAssessment } from '../../domain/threat/mod.ts';
import type { ActorDefinition } from '../../engine/actor/types.ts';
import {
  decodeMessage,
  FlowObserved,
  type Namespace,
  StreamName,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { destinationsOf, type ThreatLookup, threatFlows } from './logic.ts';
import { Recent } from './recent.ts';

export interface ThreatWatchOptions {
  intel: ThreatLookup;
  /** Look at a destination again after this long (default 15 min); the verdict cache decides what that costs. */
  recheckMs?: number;
  /** Destinations and reports remembered per tenant (default 50,000 each). */
  remember?: number;
  /** Lookups in flight per batch (default 16). */
  concurrency?: number;
}

const Empty = v.object({});
const LIMITED_RECHECK_MS = 60_000;

interface TenantMemory {
  checked: Recent;
  reported: Recent;
}

export function threatWatchActor(
  ns: Namespace,
  options: ThreatWatchOptions,
): ActorDefinition<Record<string, never>, FlowObserved> {
  const subjects = subjectsFor(ns);
  const recheckMs = options.recheckMs ?? 15 * 60_000;
  const remember = options.remember ?? 50_000;
  const concurrency = options.concurrency ?? 16;
  const memory = new Map<string, TenantMemory>();
  const memoryOf = (tenant: string): TenantMemory => {
    let m = memory.get(tenant);
    if (m === undefined) {
      m = { checked: new Recent(remember), reported: new Recent(remember) };
      memory.set(tenant, m);
    }
    return m;
  };
  /** Malicious ones stay known for as long as they are remembered: later flows to them are reported too. */
  const malicious = new Map<string, Map<string, ThreatAssessment>>();

  return {
    kind: 'threat-watch',
    stream: streamName(StreamName.Flows, ns),
    filterSubject: subjects.flowsObservedAll(),
    maxBatch: 256,
    initialState: () => ({}),
    parseState: (raw) => v.parse(Empty, raw) as Record<string, never>,
    decode: (message) => decodeMessage(message.data, FlowObserved).data,
    async transitionBatch(state, deltas, contexts) {
      const tenant = contexts[0]!.tenant;
      const nowMs = contexts[0]!.nowMs;
      const mem = memoryOf(tenant);
      const known = malicious.get(tenant) ?? new Map<string, ThreatAssessment>();
      malicious.set(tenant, known);
      const due = destinationsOf(deltas).filter((ip) => !mem.checked.has(ip, nowMs));
      const assessments = await lookupAll(options.intel, due, concurrency);
      // Keyed by the address as the log wrote it (the assessment's is canonical), since that is what deltas carry.
      for (const [i, a] of assessments.entries()) {
        const ip = due[i]!;
        // A provider that was out of quota did not answer: ask again soon, not after the usual interval.
        const limited = a.verdicts.some((x) => x.reason === 'rate_limited');
        mem.checked.add(ip, nowMs + (limited ? Math.min(recheckMs, LIMITED_RECHECK_MS) : recheckMs));
        known.delete(ip);
        if (a.malicious) known.set(ip, a);
        // Bounded like the rest: the oldest verdict goes first (its cached copy is still in KV).
        if (known.size > remember) known.delete(known.keys().next().value as string);
      }
      const { effects, reported } = threatFlows({
        subjects,
        tenant,
        deltas,
        malicious: known,
        reported: (flowId, ip) => mem.reported.has(`${flowId} ${ip}`, nowMs),
        nowMs,
      });
      for (const [flowId, ip] of reported) mem.reported.add(`${flowId} ${ip}`, Number.POSITIVE_INFINITY);
      return { state, effects };
    },
  };
}

/**
 * Ask about each address, a few at a time. A lookup never throws for a
 * provider's failure (that is a "no answer" in its trail); if the service
 * itself fails, the batch fails and the engine redelivers it.
 */
async function lookupAll(
  intel: ThreatLookup,
  ips: readonly string[],
  concurrency: number,
): Promise<ThreatAssessment[]> {
  const out: ThreatAssessment[] = [];
  for (let i = 0; i < ips.length; i += concurrency) {
    out.push(...(await Promise.all(ips.slice(i, i + concurrency).map((ip) => intel.lookup(ip)))));
  }
  return out;
}

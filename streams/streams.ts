/**
 * JetStream stream configs (DESIGN §4). WORK keeps limits retention rather
 * than work-queue retention so unknown and classified flows stay replayable
 * for a week (an analyst can ask why a proposal exists); consumers track
 * their own position, so nothing is processed twice.
 */
import type { StreamConfig } from '../engine/types.ts';
import { DEFAULT_NAMESPACE, type Namespace } from './namespace.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Redeliveries after a crash happen within an ack wait; ten minutes of dedupe covers them with room. */
const DEDUPE_MS = 10 * 60 * 1000;

export const StreamName = {
  Flows: 'FLOWS',
  Work: 'WORK',
  Events: 'EVENTS',
  Audit: 'AUDIT',
  Dead: 'DEAD',
} as const;
export type StreamName = (typeof StreamName)[keyof typeof StreamName];

export function streamName(name: StreamName, ns: Namespace = DEFAULT_NAMESPACE): string {
  return `${ns.streamPrefix}${name}`;
}

export interface StreamOptions {
  /** Replicas of every stream on a JetStream cluster (SCOPILOT_NATS__REPLICAS); 1 when absent. */
  replicas?: number;
}

export function streamConfigs(
  ns: Namespace = DEFAULT_NAMESPACE,
  options: StreamOptions = {},
): StreamConfig[] {
  const configs = baseConfigs(ns);
  return options.replicas === undefined
    ? configs
    : configs.map((c) => ({ ...c, replicas: options.replicas }));
}

function baseConfigs(ns: Namespace): StreamConfig[] {
  const r = ns.root;
  const name = (n: StreamName) => streamName(n, ns);
  return [
    {
      name: name(StreamName.Flows),
      subjects: [`${r}.*.flows.observed.>`],
      retention: 'limits',
      maxAgeMs: 30 * DAY_MS,
      duplicateWindowMs: DEDUPE_MS,
      description: 'Observed flow deltas per SGT pair, from the tail.',
    },
    {
      name: name(StreamName.Work),
      subjects: [`${r}.*.flows.unknown`, `${r}.*.flows.classified`],
      retention: 'limits',
      maxAgeMs: 7 * DAY_MS,
      duplicateWindowMs: DEDUPE_MS,
      description: 'Flows waiting for classification, and their verdicts.',
    },
    {
      name: name(StreamName.Events),
      subjects: [`${r}.*.proposals.*`, `${r}.*.matrix.changed`, `${r}.*.ise.drift`],
      retention: 'limits',
      maxAgeMs: 90 * DAY_MS,
      duplicateWindowMs: DEDUPE_MS,
      description: 'Proposal lifecycle, matrix changes and ISE drift reports.',
    },
    {
      name: name(StreamName.Audit),
      subjects: [`${r}.*.audit`],
      retention: 'limits',
      duplicateWindowMs: DEDUPE_MS,
      denyDelete: true,
      denyPurge: true,
      description: 'Every state change, with who and through which channel. Never deleted.',
    },
    {
      name: name(StreamName.Dead),
      subjects: [`${r}.*.dead.*`],
      retention: 'limits',
      maxAgeMs: 30 * DAY_MS,
      duplicateWindowMs: DEDUPE_MS,
      description: 'Messages an actor gave up on, with the error.',
    },
  ];
}

/**
 * KV bucket configs (DESIGN §5). Matrix versions are separate keys written once
 * with `create`, never the history of one key, because KV keeps at most 64
 * revisions; the matrix bucket's 64 revisions are the pointer's flip log.
 */
import type { BucketConfig } from '../engine/types.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../streams/namespace.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long a dashboard session lasts at most: the sessions bucket's max age. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60 * 1000;

export const Bucket = {
  Sgt: 'scopilot_sgt',
  Inventory: 'scopilot_inventory',
  Proposals: 'scopilot_proposals',
  Matrix: 'scopilot_matrix',
  Classifications: 'scopilot_classifications',
  Threat: 'scopilot_threat',
  Runs: 'scopilot_runs',
  State: 'scopilot_state',
  Ise: 'scopilot_ise',
  Sessions: 'scopilot_sessions',
  HistoryMinute: 'scopilot_history_minute',
  HistoryHour: 'scopilot_history_hour',
} as const;
export type Bucket = (typeof Bucket)[keyof typeof Bucket];

export function bucketName(bucket: Bucket, ns: Namespace = DEFAULT_NAMESPACE): string {
  return `${ns.bucketPrefix}${bucket}`;
}

interface BucketSpec {
  history: number;
  maxAgeMs?: number;
  description: string;
}

const SPECS: Record<Bucket, BucketSpec> = {
  [Bucket.Sgt]: { history: 16, description: 'SGT dictionary: name, updatedBy, updatedAt per tag.' },
  [Bucket.Inventory]: { history: 1, description: 'Observed flow inventory per flow id.' },
  [Bucket.Proposals]: { history: 64, description: 'Proposals with status, ACEs, evidence and audit trail.' },
  [Bucket.Matrix]: { history: 64, description: 'Immutable matrix versions and the current pointer.' },
  [Bucket.Classifications]: {
    history: 1,
    maxAgeMs: 7 * DAY_MS,
    description: 'Classification cache per flow id.',
  },
  // Verdicts carry their own expiry; the bucket age is the longest provider TTL.
  [Bucket.Threat]: {
    history: 1,
    maxAgeMs: 7 * DAY_MS,
    description: 'Threat-intel verdicts per provider and IP.',
  },
  [Bucket.Runs]: { history: 1, maxAgeMs: 30 * DAY_MS, description: 'On-demand analysis runs and results.' },
  [Bucket.State]: { history: 1, description: 'Actor snapshots, leases and cursors.' },
  // One key per cell and SGACL, so a push records each write on its own key without contention.
  [Bucket.Ise]: {
    history: 8,
    description: 'ISE sync state: cells and SGACLs imported or pushed; the last import, push and drift.',
  },
  // Each record carries its own expiry too (revoked early at sign-out); the max age sweeps the rest.
  [Bucket.Sessions]: {
    history: 1,
    maxAgeMs: SESSION_MAX_AGE_MS,
    description: 'Dashboard sessions by the sha256 of their id: principal and expiry.',
  },
  // Rollups of traffic, coverage, readiness and open proposals: kept as long as they are shown.
  [Bucket.HistoryMinute]: {
    history: 1,
    maxAgeMs: 2 * DAY_MS,
    description: 'Per-tenant history at minute resolution (48 h): hits by tag pair, coverage, readiness.',
  },
  [Bucket.HistoryHour]: {
    history: 1,
    maxAgeMs: 90 * DAY_MS,
    description: 'Per-tenant history at hour resolution (90 days): hits by tag pair, coverage, readiness.',
  },
};

export interface BucketOptions {
  /** Classification cache lifetime (SCOPILOT_SCHED__CLASSIFICATION_CACHE_DAYS). */
  classificationCacheDays?: number;
  /** Replicas of every bucket on a JetStream cluster (SCOPILOT_NATS__REPLICAS); 1 when absent. */
  replicas?: number;
}

export function bucketConfigs(
  ns: Namespace = DEFAULT_NAMESPACE,
  options: BucketOptions = {},
): BucketConfig[] {
  return Object.values(Bucket).map((bucket) => {
    const spec = SPECS[bucket];
    const maxAgeMs =
      bucket === Bucket.Classifications && options.classificationCacheDays !== undefined
        ? options.classificationCacheDays * DAY_MS
        : spec.maxAgeMs;
    return {
      name: bucketName(bucket, ns),
      history: spec.history,
      ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
      description: spec.description,
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
    };
  });
}

/**
 * The cluster as metrics, read at scrape time: whether this process is
 * connected to NATS, each stream's and bucket's replication (replicas, peers
 * in sync, a leader or not), each durable consumer's backlog (pending and
 * ack-pending: the consumer lag alerts watch), and which leases (the
 * scheduler's) have a live holder. Streams, consumers and leases are
 * cluster-wide facts: every process reports the same values (aggregate with
 * `max`). One read serves all the gauges of a scrape; a failed read (NATS
 * down) leaves them empty rather than reporting stale numbers as current.
 */
import type { Registry } from 'prom-client';
import type { ConsumerLag, KvBucket, StreamHealth } from '../engine/types.ts';
import { callbackGauge, type Samples } from './collect.ts';

export interface ClusterSample {
  streams: readonly StreamHealth[];
  consumers: readonly ConsumerLag[];
  /** Each lease by name: whether someone holds it now. */
  leases: readonly { name: string; held: boolean }[];
}

export interface ClusterSource {
  connected(): boolean;
  read(): Promise<ClusterSample>;
}

const EMPTY: ClusterSample = { streams: [], consumers: [], leases: [] };
const decoder = new TextDecoder();

/** Leases in the state bucket (`lease.<name>`), held when their expiry is still ahead. */
export async function readLeases(bucket: KvBucket, nowMs = Date.now()): Promise<ClusterSample['leases']> {
  const out: { name: string; held: boolean }[] = [];
  for (const key of await bucket.keys('lease.*')) {
    const entry = await bucket.get(key);
    let held = false;
    try {
      const record =
        entry === null ? null : (JSON.parse(decoder.decode(entry.value)) as { expiresAtMs?: unknown });
      held = typeof record?.expiresAtMs === 'number' && record.expiresAtMs > nowMs;
    } catch {
      held = false;
    }
    out.push({ name: key.slice('lease.'.length), held });
  }
  return out;
}

export function registerClusterMetrics(registry: Registry, source: ClusterSource, maxAgeMs = 1_000): void {
  let cached: { atMs: number; sample: Promise<ClusterSample> } | null = null;
  const sample = (): Promise<ClusterSample> => {
    const now = Date.now();
    if (cached === null || now - cached.atMs > maxAgeMs) {
      const running = source.connected() ? source.read().catch(() => EMPTY) : Promise.resolve(EMPTY);
      cached = { atMs: now, sample: running };
    }
    return cached.sample;
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    pick: (s: ClusterSample) => Samples<L>,
  ) => callbackGauge({ name, help, labelNames, registry, read: async () => pick(await sample()) });

  callbackGauge({
    name: 'scopilot_nats_connected',
    help: 'Whether this process is connected to NATS (1) or reconnecting (0).',
    registry,
    read: () => [[{}, source.connected() ? 1 : 0]],
  });
  const byConsumer = ['stream', 'consumer'] as const;
  const consumers = (pick: (c: ConsumerLag) => number) => (s: ClusterSample) =>
    s.consumers.map((c) => [{ stream: c.stream, consumer: c.consumer }, pick(c)] as const);
  gauge(
    'scopilot_consumer_pending',
    'Messages a durable consumer has not delivered yet (num_pending): its lag.',
    byConsumer,
    consumers((c) => c.pending),
  );
  gauge(
    'scopilot_consumer_ack_pending',
    'Messages a durable consumer delivered and awaits acks for (num_ack_pending).',
    byConsumer,
    consumers((c) => c.ackPending),
  );
  gauge(
    'scopilot_consumer_redelivered',
    'Messages delivered more than once and not yet acknowledged (num_redelivered).',
    byConsumer,
    consumers((c) => c.redelivered),
  );
  const byStream = ['stream', 'kind'] as const;
  const streams = (pick: (h: StreamHealth) => number) => (s: ClusterSample) =>
    s.streams.map((h) => [{ stream: h.name, kind: h.kind }, pick(h)] as const);
  gauge(
    'scopilot_stream_messages',
    'Messages (or bucket revisions) stored.',
    byStream,
    streams((h) => h.messages),
  );
  gauge(
    'scopilot_stream_replicas',
    'Configured replicas of a stream or bucket.',
    byStream,
    streams((h) => h.replicas),
  );
  gauge(
    'scopilot_stream_current_peers',
    'Peers in sync with the leader, the leader included; below replicas means a lost or lagging server.',
    byStream,
    streams((h) => h.currentPeers),
  );
  gauge(
    'scopilot_stream_leader',
    'Whether a stream or bucket has a leader (1) or is electing one (0): without one it takes no writes.',
    byStream,
    streams((h) => (h.hasLeader ? 1 : 0)),
  );
  gauge('scopilot_lease_held', 'Whether a leader lease (the scheduler) has a live holder.', ['lease'], (s) =>
    s.leases.map((l) => [{ lease: l.name }, l.held ? 1 : 0] as const),
  );
}

/**
 * What a JetStream cluster says about the product's streams and buckets:
 * replica count, peers in sync, whether there is a leader, and each durable
 * consumer's backlog (num_pending, num_ack_pending, num_redelivered). Read at
 * scrape time for /metrics; a stream that does not exist is skipped.
 */
import type { StreamInfo as JsStreamInfo } from '@nats-io/jetstream';
import type { ConsumerLag, StreamHealth } from '../types.ts';
import type { NatsContext } from './connection.ts';
import { ApiCode, apiCode, mapCommon } from './nats-errors.ts';

async function info(ctx: NatsContext, stream: string): Promise<JsStreamInfo | null> {
  try {
    return await ctx.jsm.streams.info(stream);
  } catch (error) {
    if (apiCode(error) === ApiCode.StreamNotFound) return null;
    throw mapCommon(error);
  }
}

function health(name: string, kind: StreamHealth['kind'], si: JsStreamInfo): StreamHealth {
  const leader = si.cluster?.leader;
  // A lone server reports no cluster block: it is its own leader and only peer.
  const clustered = si.cluster !== undefined && (si.cluster.replicas !== undefined || leader !== undefined);
  const current = (si.cluster?.replicas ?? []).filter((r) => r.current && !r.offline).length;
  return {
    name,
    kind,
    messages: si.state.messages,
    replicas: si.config.num_replicas,
    currentPeers: clustered ? (leader ? 1 : 0) + current : 1,
    hasLeader: clustered ? Boolean(leader) : true,
  };
}

export async function clusterHealth(
  ctx: NatsContext,
  names: { streams: string[]; buckets: string[] },
): Promise<{ streams: StreamHealth[]; consumers: ConsumerLag[] }> {
  const streams: StreamHealth[] = [];
  const consumers: ConsumerLag[] = [];
  await Promise.all([
    ...names.streams.map(async (name) => {
      const si = await info(ctx, name);
      if (si === null) return;
      streams.push(health(name, 'stream', si));
      try {
        for await (const ci of ctx.jsm.consumers.list(name)) {
          if (!ci.config.durable_name) continue;
          consumers.push({
            stream: name,
            consumer: ci.name,
            pending: ci.num_pending,
            ackPending: ci.num_ack_pending,
            redelivered: ci.num_redelivered,
          });
        }
      } catch (error) {
        if (apiCode(error) !== ApiCode.StreamNotFound) throw mapCommon(error);
      }
    }),
    ...names.buckets.map(async (name) => {
      const si = await info(ctx, `KV_${name}`);
      if (si !== null) streams.push(health(name, 'bucket', si));
    }),
  ]);
  const order = (a: { name?: string; stream?: string }, b: typeof a) =>
    (a.name ?? a.stream ?? '').localeCompare(b.name ?? b.stream ?? '');
  streams.sort(order);
  consumers.sort((a, b) => order(a, b) || a.consumer.localeCompare(b.consumer));
  return { streams, consumers };
}

/**
 * Mapping between the ports' configs (milliseconds, camelCase) and JetStream's
 * (nanoseconds, snake_case), with the defaults the server would pick, so that
 * what ensureStream sends and what streamInfo reports round-trip.
 */
import type {
  ConsumerConfig as JsConsumerConfig,
  StreamConfig as JsStreamConfig,
  StreamInfo as JsStreamInfo,
} from '@nats-io/jetstream';
import type { ConsumerConfig, StreamConfig, StreamInfo } from '../types.ts';

/** JetStream durations are nanoseconds; the ports speak milliseconds. */
export const NS_PER_MS = 1_000_000;
const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const DEFAULT_ACK_WAIT_MS = 30_000;

export function toJsStreamConfig(c: StreamConfig): Partial<JsStreamConfig> & { name: string } {
  const maxAgeMs = c.maxAgeMs ?? 0;
  // The server refuses a dedupe window longer than max_age, so clamp the default.
  let duplicateWindowMs = c.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  if (maxAgeMs > 0 && duplicateWindowMs > maxAgeMs) duplicateWindowMs = maxAgeMs;
  return {
    name: c.name,
    subjects: c.subjects,
    retention: c.retention ?? 'limits',
    storage: 'file',
    max_age: maxAgeMs * NS_PER_MS,
    max_msgs_per_subject: c.maxMsgsPerSubject ?? -1,
    duplicate_window: duplicateWindowMs * NS_PER_MS,
    deny_delete: c.denyDelete ?? false,
    deny_purge: c.denyPurge ?? false,
    // '' clears a description on update (the client merges into the old config).
    description: c.description ?? '',
    num_replicas: c.replicas ?? 1,
  };
}

export function fromJsStreamInfo(si: JsStreamInfo): StreamInfo {
  const c = si.config;
  const config: StreamConfig = {
    name: c.name,
    subjects: c.subjects ?? [],
    retention: c.retention,
    maxAgeMs: Math.round(c.max_age / NS_PER_MS),
    maxMsgsPerSubject: c.max_msgs_per_subject,
    duplicateWindowMs: Math.round(c.duplicate_window / NS_PER_MS),
    denyDelete: c.deny_delete ?? false,
    denyPurge: c.deny_purge ?? false,
  };
  if (c.description) config.description = c.description;
  config.replicas = c.num_replicas;
  return {
    name: c.name,
    messages: si.state.messages,
    firstSeq: si.state.first_seq,
    lastSeq: si.state.last_seq,
    config,
  };
}

export function desiredConsumer(c: ConsumerConfig): Partial<JsConsumerConfig> {
  const cfg: Partial<JsConsumerConfig> = {
    durable_name: c.durable,
    ack_policy: 'explicit',
    deliver_policy: c.deliverPolicy ?? 'all',
    ack_wait: (c.ackWaitMs ?? DEFAULT_ACK_WAIT_MS) * NS_PER_MS,
    max_deliver: c.maxDeliver ?? -1,
  };
  if (c.filterSubject !== undefined && c.filterSubject !== '>') cfg.filter_subject = c.filterSubject;
  if (c.optStartSeq !== undefined) cfg.opt_start_seq = c.optStartSeq;
  if (c.optStartTime !== undefined) cfg.opt_start_time = c.optStartTime.toISOString();
  if (c.maxAckPending !== undefined) cfg.max_ack_pending = c.maxAckPending;
  return cfg;
}

/**
 * The engine's ports. Two adapters implement them with the same semantics:
 * `nats/` (NATS JetStream, the reference behaviour) and `embedded/` (bun:sqlite).
 * Nothing here knows about TrustSec; payloads are bytes and the typed codecs
 * live in `streams/` and `kv-schema/`.
 */

// ─── Event log (JetStream streams) ────────────────────────────────────────────

export const Retention = { Limits: 'limits', WorkQueue: 'workqueue', Interest: 'interest' } as const;
export type Retention = (typeof Retention)[keyof typeof Retention];

export interface StreamConfig {
  name: string;
  subjects: string[];
  retention?: Retention;
  /** Milliseconds; 0 or absent keeps messages forever. */
  maxAgeMs?: number;
  /** Maximum messages kept per subject; absent or -1 means unlimited. */
  maxMsgsPerSubject?: number;
  /** msgId dedupe window in milliseconds (JetStream default: 2 minutes). */
  duplicateWindowMs?: number;
  /** Refuse deletes and purges (the audit stream). */
  denyDelete?: boolean;
  denyPurge?: boolean;
  description?: string;
  /** Copies kept by a JetStream cluster (1 when absent); raised in place on update. Embedded: ignored. */
  replicas?: number;
}

export interface PublishOptions {
  /** Dedupe key: a second publish with the same id inside the window is not stored again. */
  msgId?: string;
  /** Reject the publish unless it lands in this stream. */
  expectStream?: string;
}

export interface PublishAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export const DeliverPolicy = {
  All: 'all',
  New: 'new',
  Last: 'last',
  ByStartSequence: 'by_start_sequence',
  ByStartTime: 'by_start_time',
} as const;
export type DeliverPolicy = (typeof DeliverPolicy)[keyof typeof DeliverPolicy];

export interface ConsumerConfig {
  /** Durable name; every process that opens the same name shares its messages. */
  durable: string;
  /** One filter subject (nats-server 2.9 takes only one); wildcards allowed. */
  filterSubject?: string;
  deliverPolicy?: DeliverPolicy;
  optStartSeq?: number;
  optStartTime?: Date;
  /** Milliseconds before an unacknowledged delivery is redelivered (default 30 s). */
  ackWaitMs?: number;
  /** Deliveries before the server gives up on a message; -1 is unlimited (the default). */
  maxDeliver?: number;
  /** Upper bound of unacknowledged messages in flight for the whole consumer. */
  maxAckPending?: number;
}

export interface MessageInfo {
  stream: string;
  /** Stream sequence: stable across redeliveries. */
  seq: number;
  /** 1 on first delivery, 2 on the first redelivery, … */
  deliveryCount: number;
  /** Publish time in epoch milliseconds. */
  timestampMs: number;
}

export interface StoredMessage {
  subject: string;
  data: Uint8Array;
  seq: number;
  timestampMs: number;
  msgId?: string;
}

/** A delivered message; exactly one of ack / nak / term settles it. */
export interface DeliveredMessage extends StoredMessage {
  info: MessageInfo;
  /** Done: never delivered again. */
  ack(): void;
  /** Like ack, but resolves once the server (or the database) has recorded it. */
  ackAck(): Promise<boolean>;
  /** Not done: deliver again after `delayMs` (immediately when absent). */
  nak(delayMs?: number): void;
  /** Give up: never delivered again, and not acknowledged as done. */
  term(reason?: string): void;
  /** Still working: restart the ack wait timer. */
  working(): void;
}

export interface ConsumeOptions {
  /** Messages fetched per batch (default 256). */
  batch?: number;
}

/** A running subscription on a durable consumer; iterate it, then `stop()`. */
export interface MessageStream extends AsyncIterable<DeliveredMessage> {
  /** Stop receiving; messages not yet settled are redelivered after their ack wait. */
  stop(): Promise<void>;
}

export interface ReplayOptions {
  filterSubject?: string;
  /** Start at this stream sequence (inclusive). */
  fromSeq?: number;
  /** Start at this time (inclusive). */
  fromTime?: Date;
  /** Stop after this many messages. */
  limit?: number;
}

export interface LiveSubscription extends AsyncIterable<StoredMessage> {
  unsubscribe(): void;
}

export interface StreamInfo {
  name: string;
  messages: number;
  firstSeq: number;
  lastSeq: number;
  config: StreamConfig;
}

/** One durable consumer's backlog: what is still to deliver and what awaits an ack. */
export interface ConsumerLag {
  stream: string;
  consumer: string;
  /** Messages matching the filter not yet delivered (JetStream num_pending). */
  pending: number;
  /** Delivered, not yet acknowledged (num_ack_pending). */
  ackPending: number;
  /** Delivered more than once and not yet acknowledged (num_redelivered). */
  redelivered: number;
}

/** A stream's (or a KV bucket's) replication as the server reports it. */
export interface StreamHealth {
  /** The stream's name, or the bucket's name for a bucket. */
  name: string;
  kind: 'stream' | 'bucket';
  messages: number;
  replicas: number;
  /** Peers in sync, the leader included; equals `replicas` when healthy. */
  currentPeers: number;
  hasLeader: boolean;
}

export interface EventLog {
  /** Create the stream, or update it in place when it exists (idempotent). */
  ensureStream(config: StreamConfig): Promise<StreamInfo>;
  streamInfo(name: string): Promise<StreamInfo | null>;
  deleteStream(name: string): Promise<boolean>;
  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PublishAck>;
  /** Create or update a durable consumer (idempotent). */
  ensureConsumer(stream: string, config: ConsumerConfig): Promise<void>;
  deleteConsumer(stream: string, durable: string): Promise<boolean>;
  /** Pull from a durable consumer; several callers of one durable share its messages. */
  consume(stream: string, durable: string, options?: ConsumeOptions): Promise<MessageStream>;
  /** Read stored messages in order, without a durable consumer; ends at the last message. */
  replay(stream: string, options?: ReplayOptions): AsyncIterable<StoredMessage>;
  /**
   * Messages stored from now on whose subject matches `subject` (wildcards allowed),
   * with their stream sequence. Resolves once active: anything published after that is seen.
   */
  subscribe(subject: string): Promise<LiveSubscription>;
  /**
   * Replication of the named streams and buckets and the lag of every durable consumer
   * on the streams (for /metrics). Adapters that cannot tell leave it out; missing names are skipped.
   */
  health?(names: { streams: string[]; buckets: string[] }): Promise<{
    streams: StreamHealth[];
    consumers: ConsumerLag[];
  }>;
}

// ─── Key-value store (JetStream KV) ───────────────────────────────────────────

export interface BucketConfig {
  name: string;
  /** Revisions kept per key, 1–64. */
  history?: number;
  /** Milliseconds; 0 or absent keeps entries forever. */
  maxAgeMs?: number;
  description?: string;
  /** Copies kept by a JetStream cluster (1 when absent); raised in place on update. Embedded: ignored. */
  replicas?: number;
}

export const KvOperation = { Put: 'PUT', Delete: 'DEL', Purge: 'PURGE' } as const;
export type KvOperation = (typeof KvOperation)[keyof typeof KvOperation];

export interface KvEntry {
  bucket: string;
  key: string;
  value: Uint8Array;
  revision: number;
  createdMs: number;
  operation: KvOperation;
}

export interface WatchOptions {
  /** Key or key pattern (`*`, `>`); all keys when absent. */
  key?: string;
  /** Deliver the current value of each matching key first (default true). */
  initialValues?: boolean;
}

export interface KvWatch extends AsyncIterable<KvEntry> {
  stop(): void;
}

export interface KvBucket {
  readonly name: string;
  /** The current entry, or null when absent or deleted. */
  get(key: string): Promise<KvEntry | null>;
  put(key: string, value: Uint8Array): Promise<number>;
  /** Write only when the key is absent (or deleted); otherwise throws KvConflictError. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** Write only when the key is at `expectedRevision`; otherwise throws KvConflictError. */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<number>;
  delete(key: string): Promise<void>;
  /** Kept revisions, oldest first, including delete markers. */
  history(key: string): Promise<KvEntry[]>;
  watch(options?: WatchOptions): Promise<KvWatch>;
  /** Keys with a live value, optionally filtered by a pattern (`*`, `>`). */
  keys(filter?: string): Promise<string[]>;
}

export interface KvStore {
  /** Create the bucket, or update its history and max age in place (idempotent). */
  ensureBucket(config: BucketConfig): Promise<KvBucket>;
  /** Open an existing bucket; throws when it does not exist. */
  bucket(name: string): Promise<KvBucket>;
  bucketConfig(name: string): Promise<BucketConfig | null>;
  deleteBucket(name: string): Promise<boolean>;
}

// ─── Request / reply ──────────────────────────────────────────────────────────

export type RpcHandler = (data: Uint8Array, subject: string) => Promise<Uint8Array> | Uint8Array;

export interface RpcService {
  stop(): Promise<void>;
}

export interface Rpc {
  /** Answer requests on `subject`; servers in one queue group share the requests. */
  serve(subject: string, queueGroup: string, handler: RpcHandler): RpcService;
  /** Throws RpcNoResponderError when nobody serves the subject, RpcTimeoutError on timeout. */
  request(subject: string, data: Uint8Array, timeoutMs?: number): Promise<Uint8Array>;
}

// ─── The engine as a whole ────────────────────────────────────────────────────

export const EngineKind = { Nats: 'nats', Embedded: 'embedded' } as const;
export type EngineKind = (typeof EngineKind)[keyof typeof EngineKind];

export interface Engine {
  readonly kind: EngineKind;
  readonly log: EventLog;
  readonly kv: KvStore;
  readonly rpc: Rpc;
  /** True while the backend answers (NATS connected; the database open). */
  isConnected(): boolean;
  /** Why the backend does not answer (for /readyz), or null; adapters without detail leave it out. */
  connectionProblem?(): string | null;
  /** Let in-flight work finish, flush, then close. */
  drain(): Promise<void>;
  /** Close at once. */
  close(): Promise<void>;
}

/**
 * What an actor is made of. The logic is a pure transition — state × message →
 * state and effects — and the runner executes the effects, so logic tests need
 * no engine (XState's `transition`, Restate's handlers).
 */
import type { StoredMessage } from '../types.ts';

export const EffectType = {
  Publish: 'publish',
  KvPut: 'kv.put',
  KvDelete: 'kv.delete',
} as const;
export type EffectType = (typeof EffectType)[keyof typeof EffectType];

/**
 * Publish `message` (JSON). Without a msgId the runner derives one from the
 * input message and the effect's position, so a re-executed effect dedupes.
 */
export interface PublishEffect {
  type: typeof EffectType.Publish;
  subject: string;
  message: unknown;
  msgId?: string;
}

export interface KvPutEffect {
  type: typeof EffectType.KvPut;
  bucket: string;
  key: string;
  value: unknown;
  /**
   * Write only over a stored value whose numeric `field` is below `value`
   * (compare-and-set). Replicas run each other's outboxes, so a put derived
   * from an older state can arrive after a newer one: this keeps it out.
   */
  ifNewer?: { field: string; value: number };
}

export interface KvDeleteEffect {
  type: typeof EffectType.KvDelete;
  bucket: string;
  key: string;
}

export type Effect = PublishEffect | KvPutEffect | KvDeleteEffect;

export interface MessageContext {
  tenant: string;
  /** Stream sequence of the message being handled. */
  seq: number;
  subject: string;
  msgId?: string;
  deliveryCount: number;
  /** Wall-clock time of handling, epoch ms (passed in so logic stays pure). */
  nowMs: number;
}

export interface Transition<S> {
  state: S;
  effects: readonly Effect[];
}

export interface ActorDefinition<S, M> {
  /** `aggregator`, `proposer`, … ; also the durable consumer name unless `durable` is set. */
  kind: string;
  stream: string;
  /** One filter subject whose second token is the tenant: `<root>.*.flows.unknown`. */
  filterSubject: string;
  durable?: string;
  /**
   * Split a tenant's actor into several, each with its own state and mailbox,
   * by a part of the subject (e.g. the tag pair of `flows.observed.<sgt>.<dgt>`).
   * Returns a key of `[-_a-zA-Z0-9]` characters; absent means one actor per tenant.
   */
  partitionOf?(subject: string): string;
  /** Handle at most this many messages per batch (default: the system's). */
  maxBatch?: number;
  /**
   * Wait this long after a message arrives for more to join its batch
   * (a classifier asking a model about many flows at once). Default 0.
   */
  batchWindowMs?: number;
  /** A message that must not wait for company: its arrival ends the batch window at once. */
  urgent?(message: StoredMessage): boolean;
  /** Fresh state of a tenant's actor that has never run. */
  initialState(tenant: string): S;
  /** Validate a stored snapshot's state; throw when it is not a state of this actor. */
  parseState(raw: unknown): S;
  /** Decode and validate the message; throw TerminalError on bad input. */
  decode(message: StoredMessage): M;
  /**
   * The logic. Pure for most actors; may be async for actors whose decision
   * needs an outside answer (a classifier asking a model), which they get
   * through ports injected when the definition is built.
   */
  transition?(state: S, message: M, context: MessageContext): Transition<S> | Promise<Transition<S>>;
  /**
   * Instead of `transition`, called once per batch:
   * all of the batch's messages are applied together or not at all.
   */
  transitionBatch?(
    state: S,
    messages: readonly M[],
    contexts: readonly MessageContext[],
  ): Promise<Transition<S>>;
}

/** A definition with its type parameters forgotten, for registries. */
// biome-ignore lint/suspicious/noExplicitAny: variance erasure for heterogeneous registries only
export type AnyActorDefinition = ActorDefinition<any, any>;

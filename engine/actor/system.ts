/**
 * The actor system: one shared durable consumer per actor kind, routing each
 * message to the activation of its (kind, tenant), passivating idle ones, and
 * draining cleanly on shutdown. Any number of processes may run the same kinds:
 * they share the consumers, and correctness comes from CAS and dedupe.
 */
import { type BackoffPolicy, DEFAULT_BACKOFF } from '../backoff.ts';
import type { Logger } from '../log.ts';
import type { DeliveredMessage, Engine, KvBucket, MessageStream } from '../types.ts';
import { Activation } from './activation.ts';
import { EffectRunner } from './effects.ts';
import { FailureHandler, type FailureHooks } from './failures.ts';
import type { AnyActorDefinition } from './types.ts';

export interface ActorSystemOptions {
  engine: Engine;
  logger: Logger;
  /** Bucket holding actor snapshots (must exist). */
  stateBucket: string;
  /** The snapshot key of an actor: its kind, tenant and, for partitioned actors, partition. */
  stateKey: (kind: string, tenant: string, partition?: string) => string;
  deadSubject: (tenant: string, kind: string) => string;
  /** The tenant a subject belongs to, or null for a subject that names none. */
  tenantOf: (subject: string) => string | null;
  ackWaitMs?: number;
  /** Deliveries before a failing message becomes a dead letter. */
  maxDeliver?: number;
  maxAckPending?: number;
  passivateAfterMs?: number;
  maxBatch?: number;
  backoff?: BackoffPolicy;
  now?: () => number;
  /** Observers of handler failures and dead letters (metrics). */
  hooks?: FailureHooks;
}

interface Running {
  def: AnyActorDefinition;
  stream: MessageStream;
  pump: Promise<void>;
  activations: Map<string, Activation>;
  failures: FailureHandler;
}

export class ActorSystem {
  readonly #o: Required<Omit<ActorSystemOptions, 'backoff' | 'hooks'>> & {
    backoff: BackoffPolicy;
    hooks?: FailureHooks;
  };
  readonly #running: Running[] = [];
  readonly #effects: EffectRunner;
  #stateBucket: KvBucket | null = null;
  #sweeper: ReturnType<typeof setInterval> | null = null;
  #stopping = false;

  constructor(options: ActorSystemOptions) {
    this.#o = {
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAckPending: 1_000,
      passivateAfterMs: 300_000,
      maxBatch: 256,
      backoff: DEFAULT_BACKOFF,
      now: Date.now,
      ...options,
    };
    this.#effects = new EffectRunner(options.engine);
  }

  /** Start consuming for each definition; consumers are created or updated first. */
  async start(definitions: readonly AnyActorDefinition[]): Promise<void> {
    this.#stateBucket ??= await this.#o.engine.kv.bucket(this.#o.stateBucket);
    for (const def of definitions) {
      if (def.transition === undefined && def.transitionBatch === undefined) {
        throw new TypeError(`actor ${def.kind} has neither transition nor transitionBatch`);
      }
      const durable = def.durable ?? def.kind;
      await this.#o.engine.log.ensureConsumer(def.stream, {
        durable,
        filterSubject: def.filterSubject,
        deliverPolicy: 'all',
        ackWaitMs: this.#o.ackWaitMs,
        // The runner dead-letters after maxDeliver itself, so the server never drops a message quietly.
        maxDeliver: -1,
        maxAckPending: this.#o.maxAckPending,
      });
      const stream = await this.#o.engine.log.consume(def.stream, durable, { batch: this.#o.maxBatch });
      const running: Running = {
        def,
        stream,
        pump: Promise.resolve(),
        activations: new Map(),
        failures: new FailureHandler({
          kind: def.kind,
          log: this.#o.engine.log,
          logger: this.#o.logger.child({ actor: def.kind }),
          deadSubject: this.#o.deadSubject,
          maxDeliver: this.#o.maxDeliver,
          backoff: this.#o.backoff,
          hooks: this.#o.hooks,
        }),
      };
      running.pump = this.#pump(running);
      this.#running.push(running);
    }
    this.#sweeper ??= setInterval(() => this.#passivate(), Math.max(1_000, this.#o.passivateAfterMs / 4));
  }

  /** Live activations per kind (for /metrics and tests). */
  activations(): Record<string, number> {
    return Object.fromEntries(this.#running.map((r) => [r.def.kind, r.activations.size]));
  }

  /**
   * Stop taking messages, finish every message already delivered, then return.
   * The engine itself is drained by its owner afterwards.
   */
  async drain(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    await Promise.all(this.#running.map((r) => r.stream.stop()));
    await Promise.all(this.#running.map((r) => r.pump));
    await Promise.all(this.#running.flatMap((r) => [...r.activations.values()].map((a) => a.settled())));
  }

  async #pump(running: Running): Promise<void> {
    try {
      for await (const message of running.stream) this.#route(running, message);
    } catch (error) {
      if (!this.#stopping) this.#o.logger.error({ err: error, actor: running.def.kind }, 'consumer stopped');
    }
  }

  #route(running: Running, message: DeliveredMessage): void {
    const tenant = this.#o.tenantOf(message.subject);
    if (tenant === null) {
      // No tenant means no dead-letter subject either: say so loudly and stop redelivering.
      this.#o.logger.error(
        { actor: running.def.kind, subject: message.subject, seq: message.seq },
        'message names no tenant; terminated',
      );
      message.term('no tenant in subject');
      return;
    }
    const partition = running.def.partitionOf?.(message.subject);
    const id = partition === undefined ? tenant : `${tenant}/${partition}`;
    let activation = running.activations.get(id);
    if (activation === undefined) {
      activation = new Activation(running.def, tenant, {
        stateBucket: this.#stateBucket!,
        stateKey: this.#o.stateKey(running.def.kind, tenant, partition),
        effects: this.#effects,
        failures: running.failures,
        logger: this.#o.logger.child({
          actor: running.def.kind,
          tenant,
          ...(partition ? { partition } : {}),
        }),
        maxBatch: this.#o.maxBatch,
        ackWaitMs: this.#o.ackWaitMs,
        now: this.#o.now,
      });
      running.activations.set(id, activation);
    }
    activation.enqueue(message);
  }

  #passivate(): void {
    const cutoff = this.#o.now() - this.#o.passivateAfterMs;
    for (const running of this.#running) {
      for (const [id, activation] of running.activations) {
        if (activation.idle && activation.lastActiveMs < cutoff) running.activations.delete(id);
      }
    }
  }
}

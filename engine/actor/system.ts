/**
 * The actor system: one shared durable consumer per actor kind, routing each
 * message to the activation of its (kind, tenant), passivating idle ones, and
 * draining cleanly on shutdown. Any number of processes may run the same kinds:
 * they share the consumers, and correctness comes from CAS and dedupe.
 */
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, sleep } from '../backoff.ts';
import type { Logger } from '../log.ts';
import type { ConsumerConfig, DeliveredMessage, Engine, KvBucket, MessageStream } from '../types.ts';
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
  durable: string;
  stream: MessageStream;
  pump: Promise<void>;
  activations: Map<string, Activation>;
  failures: FailureHandler;
  /** Null while consuming; otherwise why the consumer stopped, while it is restarted with backoff. */
  failure: { error: string; sinceMs: number; attempt: number } | null;
  /** Failed starts since the last message arrived: the backoff grows with it. */
  attempts: number;
}

/** One actor kind's consumer, as /readyz shows it. */
export interface ConsumerHealth {
  kind: string;
  running: boolean;
  error?: string;
  sinceMs?: number;
  attempt?: number;
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
  #onStop: () => void = () => undefined;
  /** Resolves when drain starts: ends a restart's backoff wait early. */
  readonly #stopped = new Promise<void>((resolve) => {
    this.#onStop = resolve;
  });

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
      await this.#o.engine.log.ensureConsumer(def.stream, this.#consumerConfig(def, durable));
      const stream = await this.#o.engine.log.consume(def.stream, durable, { batch: this.#o.maxBatch });
      const running: Running = {
        def,
        durable,
        stream,
        failure: null,
        attempts: 0,
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

  /** Each kind's consumer: running, or stopped by an error and being restarted. */
  consumers(): ConsumerHealth[] {
    return this.#running.map(({ def, failure }) =>
      failure === null ? { kind: def.kind, running: true } : { kind: def.kind, running: false, ...failure },
    );
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
    this.#onStop();
    if (this.#sweeper !== null) clearInterval(this.#sweeper);
    await Promise.all(this.#running.map((r) => r.stream.stop()));
    await Promise.all(this.#running.map((r) => r.pump));
    await Promise.all(this.#running.flatMap((r) => [...r.activations.values()].map((a) => a.settled())));
  }

  /**
   * Feed the consumer's messages to the activations. A consumer that fails
   * (a full disk, a store gone away) is restarted with backoff until it runs
   * again: an error is a reason to wait, never to stop consuming for good.
   */
  async #pump(running: Running): Promise<void> {
    const { def } = running;
    while (!this.#stopping) {
      try {
        for await (const message of running.stream) {
          running.attempts = 0;
          this.#route(running, message);
        }
        if (this.#stopping) return;
        throw new Error('consumer ended');
      } catch (error) {
        if (this.#stopping) return;
        const attempt = ++running.attempts;
        const message = error instanceof Error ? error.message : String(error);
        running.failure = { error: message, sinceMs: this.#o.now(), attempt };
        const delayMs = backoffDelay(attempt, this.#o.backoff);
        this.#o.logger.error(
          { err: error, actor: def.kind, attempt, delayMs },
          'consumer stopped; restarting',
        );
        await Promise.race([sleep(delayMs), this.#stopped]);
        await this.#reopen(running);
      }
    }
  }

  #consumerConfig(def: AnyActorDefinition, durable: string): ConsumerConfig {
    return {
      durable,
      filterSubject: def.filterSubject,
      deliverPolicy: 'all',
      ackWaitMs: this.#o.ackWaitMs,
      // The runner dead-letters after maxDeliver itself, so the server never drops a message quietly.
      maxDeliver: -1,
      maxAckPending: this.#o.maxAckPending,
    };
  }

  /** Open the consumer again; a failure to open shows as the next read failing. */
  async #reopen(running: Running): Promise<void> {
    if (this.#stopping) return;
    await running.stream.stop().catch(() => undefined);
    try {
      await this.#o.engine.log.ensureConsumer(
        running.def.stream,
        this.#consumerConfig(running.def, running.durable),
      );
      const stream = await this.#o.engine.log.consume(running.def.stream, running.durable, {
        batch: this.#o.maxBatch,
      });
      if (this.#stopping) {
        await stream.stop();
        return;
      }
      running.stream = stream;
      running.failure = null;
    } catch (error) {
      running.stream = failedStream(error);
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
        stopping: () => this.#stopping,
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

/** A stream whose first read throws `error`: a consumer that could not be reopened is retried like one that failed. */
function failedStream(error: unknown): MessageStream {
  return {
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
    stop: async () => undefined,
  };
}

/**
 * One live actor: a (kind, tenant) pair with its mailbox. Messages are handled
 * one at a time, in batches that share one state save:
 *
 *   load snapshot (and run its outbox) → apply each message → CAS-save state,
 *   unconfirmed seqs and outbox → run effects → ack.
 *
 * A CAS conflict means another replica moved the state on: reload and re-apply.
 * A redelivered message already in the state is acknowledged, not re-applied.
 *
 * Every message held here — queued or in the batch being handled — is kept
 * alive with `working()`, so a busy process is not mistaken for a dead one and
 * its messages are not handed to a replica meanwhile. A redelivery can still
 * be in flight when an ack lands, so an applied seq stays in the snapshot for
 * a grace period after its ack is confirmed, not only until then.
 */

import { backoffDelay, sleep } from '../backoff.ts';
import { KvConflictError, TerminalError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DeliveredMessage, KvBucket } from '../types.ts';
import type { EffectRunner } from './effects.ts';
import { withMsgIds } from './effects.ts';
import type { FailureHandler } from './failures.ts';
import { type LoadedSnapshot, loadSnapshot, saveSnapshot } from './snapshot.ts';
import type { AnyActorDefinition, Effect, MessageContext } from './types.ts';

export interface ActivationDeps {
  stateBucket: KvBucket;
  stateKey: string;
  effects: EffectRunner;
  failures: FailureHandler;
  logger: Logger;
  maxBatch: number;
  ackWaitMs: number;
  now: () => number;
  /** True once the system drains: store retries stop and hand the messages back. */
  stopping: () => boolean;
}

interface Decoded {
  raw: DeliveredMessage;
  message: unknown;
}

/** Unconfirmed entries older than this are dropped: their acks long since settled one way or another. */
const UNCONFIRMED_TTL_MS = 24 * 60 * 60 * 1000;
/** How long an applied seq is remembered after its ack is confirmed (at least two ack waits). */
const CONFIRMED_GRACE_MS = 60_000;
/** Retrying a failing store: quick at first, then every few seconds. */
const STORE_RETRY = { baseMs: 250, maxMs: 5_000 };
const MAX_CONFLICT_RETRIES = 20;

export class Activation {
  readonly tenant: string;
  readonly #def: AnyActorDefinition;
  readonly #deps: ActivationDeps;
  readonly #mailbox: DeliveredMessage[] = [];
  /** Seq → when the server confirmed its ack; pruned from `unconfirmed` once past the grace period. */
  readonly #confirmed = new Map<number, number>();
  /** The batch being handled (the mailbox holds the rest): what the keep-alive covers. */
  #batch: DeliveredMessage[] = [];
  #snapshot: LoadedSnapshot<unknown> | null = null;
  #outboxDone = false;
  #running: Promise<void> | null = null;
  /** Ends the current batch window early (an urgent message arrived). */
  #closeWindow: (() => void) | null = null;
  lastActiveMs: number;

  constructor(def: AnyActorDefinition, tenant: string, deps: ActivationDeps) {
    this.#def = def;
    this.tenant = tenant;
    this.#deps = deps;
    this.lastActiveMs = deps.now();
  }

  get idle(): boolean {
    return this.#running === null && this.#mailbox.length === 0;
  }

  enqueue(message: DeliveredMessage): void {
    this.#mailbox.push(message);
    this.#running ??= this.#drainMailbox();
    if (this.#closeWindow !== null && (this.#def.urgent?.(message) ?? false)) this.#closeWindow();
  }

  /** Resolves when the mailbox is empty and nothing is running. */
  async settled(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  readonly #isUrgent = (message: DeliveredMessage): boolean => this.#def.urgent?.(message) ?? false;

  get #maxBatch(): number {
    return this.#def.maxBatch ?? this.#deps.maxBatch;
  }

  async #drainMailbox(): Promise<void> {
    const keepAlive = setInterval(
      () => {
        for (const m of this.#batch) m.working();
        for (const m of this.#mailbox) m.working();
      },
      Math.max(250, this.#deps.ackWaitMs / 3),
    );
    try {
      const window = this.#def.batchWindowMs ?? 0;
      if (window > 0 && this.#mailbox.length < this.#maxBatch && !this.#mailbox.some(this.#isUrgent)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, window);
          this.#closeWindow = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#closeWindow = null;
      }
      while (this.#mailbox.length > 0) {
        this.#batch = this.#mailbox.splice(0, this.#maxBatch);
        await this.#handleBatch(this.#batch);
        this.#batch = [];
      }
    } finally {
      clearInterval(keepAlive);
      this.#batch = [];
      this.lastActiveMs = this.#deps.now();
      this.#running = null;
    }
  }

  async #handleBatch(batch: DeliveredMessage[]): Promise<void> {
    const decoded: Decoded[] = [];
    for (const raw of batch) {
      if (this.#deps.failures.exhausted(raw)) {
        await this.#deps.failures.deadLetter(raw, this.tenant, new Error('delivered too many times'));
        continue;
      }
      try {
        decoded.push({ raw, message: this.#def.decode(raw) });
      } catch (error) {
        await this.#deps.failures.fail(raw, this.tenant, error);
      }
    }
    if (decoded.length === 0) return;

    // A store that fails (full disk, lost connection) is retried here, the messages kept
    // alive meanwhile: redeliveries would spend their delivery attempts on a fault that is
    // not theirs and dead-letter good messages. Only a drain hands them back.
    const outcome = await this.#whileStoreFails('state not saved', () => this.#applyAndSave(decoded));
    if (outcome === null) {
      for (const d of decoded) d.raw.nak(this.#deps.failures.delay(d.raw));
      return;
    }
    const settled = [...outcome.applied, ...outcome.skipped];
    // The state is saved with its outbox: whoever builds on it next runs the outbox again anyway.
    if ((await this.#whileStoreFails('effects failed', () => this.#runOutbox())) === null) {
      for (const d of settled) d.raw.nak(this.#deps.failures.delay(d.raw));
      return;
    }
    await Promise.all(settled.map((d) => this.#ack(d.raw)));
    for (const [d, error] of outcome.failed) await this.#deps.failures.fail(d.raw, this.tenant, error);
  }

  /**
   * Run `fn` until it succeeds, with backoff; null when it gave up: a bad snapshot
   * (TerminalError), or the system is draining.
   */
  async #whileStoreFails<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        this.#snapshot = null;
        if (error instanceof TerminalError || this.#deps.stopping()) {
          this.#deps.logger.warn({ err: error }, `${what}; messages will be redelivered`);
          return null;
        }
        const delayMs = backoffDelay(attempt, STORE_RETRY);
        this.#deps.logger.warn({ err: error, attempt, delayMs }, `${what}; retrying`);
        await sleep(delayMs);
      }
    }
  }

  async #applyAndSave(decoded: Decoded[]) {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.#load();
      const unconfirmed = new Map(snapshot.unconfirmed);
      const applied: Decoded[] = [];
      const skipped: Decoded[] = [];
      const failed: [Decoded, unknown][] = [];
      const effects: Effect[] = [];
      let state = snapshot.state;
      const fresh: Decoded[] = [];
      for (const d of decoded) (unconfirmed.has(d.raw.seq) ? skipped : fresh).push(d);
      const origin = (d: Decoded) => `${this.#def.kind}:${d.raw.info.stream}:${d.raw.seq}`;
      const batch = this.#def.transitionBatch;
      if (batch !== undefined) {
        if (fresh.length > 0) {
          try {
            const result = await batch(
              state,
              fresh.map((d) => d.message),
              fresh.map((d) => this.#context(d)),
            );
            state = result.state;
            effects.push(...withMsgIds(result.effects, origin(fresh[0]!)));
            applied.push(...fresh);
          } catch (error) {
            for (const d of fresh) failed.push([d, error]);
          }
        }
      } else {
        for (const d of fresh) {
          try {
            const result = await this.#def.transition!(state, d.message, this.#context(d));
            state = result.state;
            effects.push(...withMsgIds(result.effects, origin(d)));
            applied.push(d);
          } catch (error) {
            failed.push([d, error]);
          }
        }
      }
      if (applied.length === 0) return { applied, skipped, failed };

      const now = this.#deps.now();
      const grace = Math.max(CONFIRMED_GRACE_MS, 2 * this.#deps.ackWaitMs);
      for (const [seq, at] of unconfirmed) {
        const confirmedAt = this.#confirmed.get(seq);
        if ((confirmedAt !== undefined && now - confirmedAt > grace) || now - at > UNCONFIRMED_TTL_MS)
          unconfirmed.delete(seq);
      }
      for (const [seq, at] of this.#confirmed) if (now - at > grace) this.#confirmed.delete(seq);
      for (const d of applied) unconfirmed.set(d.raw.seq, now);
      const next = { state, unconfirmed, outbox: effects };
      try {
        const revision = await saveSnapshot(
          this.#deps.stateBucket,
          this.#deps.stateKey,
          next,
          snapshot.revision,
        );
        this.#snapshot = { ...next, revision };
        this.#outboxDone = false;
        return { applied, skipped, failed };
      } catch (error) {
        if (!(error instanceof KvConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        this.#snapshot = null; // someone else saved: reload their state and apply on top of it
      }
    }
  }

  #context(d: Decoded): MessageContext {
    return {
      tenant: this.tenant,
      seq: d.raw.seq,
      subject: d.raw.subject,
      msgId: d.raw.msgId,
      deliveryCount: d.raw.info.deliveryCount,
      nowMs: this.#deps.now(),
    };
  }

  async #load(): Promise<LoadedSnapshot<unknown>> {
    if (this.#snapshot === null) {
      this.#snapshot = await loadSnapshot(
        this.#deps.stateBucket,
        this.#deps.stateKey,
        () => this.#def.initialState(this.tenant),
        (raw) => this.#def.parseState(raw),
      );
      this.#outboxDone = false;
    }
    await this.#runOutbox();
    return this.#snapshot;
  }

  async #runOutbox(): Promise<void> {
    const snapshot = this.#snapshot;
    if (snapshot === null || this.#outboxDone) return;
    if (snapshot.outbox.length > 0) await this.#deps.effects.run(snapshot.outbox);
    this.#outboxDone = true;
  }

  async #ack(message: DeliveredMessage): Promise<void> {
    try {
      if (await message.ackAck()) this.#confirmed.set(message.seq, this.#deps.now());
    } catch (error) {
      // Unconfirmed: the seq stays in the snapshot, so a redelivery is recognised.
      this.#deps.logger.debug({ err: error, seq: message.seq }, 'ack not confirmed');
    }
  }
}

/**
 * One tenant's messages from one transport: normalised, parsed and
 * aggregated as they arrive, and published as `flows.observed` deltas once
 * per interval (at most `intervalMs` after its first message), exactly as the
 * file tail does. Each interval's origin is unique (boot id + sequence), so
 * retrying its publish stores every delta once.
 *
 * One batch is published at a time. While it is in flight the next interval
 * collects up to `maxPendingLines`; at that size it is published at once if
 * nothing is in flight, otherwise the queue is full: the receiver pauses TCP
 * and TLS senders (resumed by `onDrain`) and drops UDP datagrams. A failed
 * publish is logged and retried with backoff, never thrown, so memory stays
 * bounded by one batch and one interval whatever the engine does.
 *
 * The tenant's lines-per-second quota (actors/tail/quota.ts) is taken before
 * a batch is published: a batch over quota waits, in flight, for its tokens.
 * A batch is cut at one second's quota. Beside the batch in flight, the next
 * interval holds at most `quotaHoldSeconds` of the tenant's quota: lines
 * beyond it could not be let through within that time anyway, so the queue
 * counts as full over quota (`overQuota`): TCP and TLS are paused, UDP is
 * shed as `over_quota`. Other tenants have their own queues and buckets and
 * are not held back. close() stops waiting and publishes what it holds.
 */
import { Analysis, type AnalysisStats } from '../../../domain/analysis.ts';
import type { Logger } from '../../../engine/log.ts';
import type { EventLog } from '../../../engine/types.ts';
import type { Subjects } from '../../../streams/mod.ts';
import { observedEffects } from '../deltas.ts';
import type { IngestMetrics } from '../ingest.ts';
import { publishAll } from '../publish.ts';
import type { LinesQuota } from '../quota.ts';
import type { ReceiverCounters, Transport } from './counters.ts';
import { normalise, type Origin } from './header.ts';
import { LineWriter } from './writer.ts';

/** Lines are handed to the parser in blocks of about this many bytes. */
const BLOCK_BYTES = 65_536;

export interface QueueOptions {
  tenant: string;
  transport: Transport;
  log: EventLog;
  subjects: Subjects;
  logger: Logger;
  intervalMs: number;
  maxPendingLines: number;
  retryBaseMs: number;
  retryMaxMs: number;
  now: () => number;
  /** A new, process-unique origin for each interval's msgIds. */
  nextOrigin: () => string;
  counters: ReceiverCounters;
  metrics?: IngestMetrics;
  /** The tenant's lines-per-second quota; absent: no limit. */
  quota?: LinesQuota;
  /** Seconds of the tenant's quota the interval beside a batch in flight may hold (default 5). */
  quotaHoldSeconds?: number;
}

type PublishEffects = ReturnType<typeof observedEffects>;

export class TenantQueue {
  readonly #o: QueueOptions;
  readonly #writer = new LineWriter();
  #analysis: Analysis | null = null;
  /** When the interval's first line was received. */
  #firstAtMs = 0;
  #lines = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The interval ended while a batch was in flight: publish it when that one is done. */
  #due = false;
  #inFlight: Promise<void> | null = null;
  #drained: (() => void)[] = [];
  /** Set by close(): a batch waiting for quota goes out at once. */
  #closing = false;
  /** Set by close(): when failing publishes stop being retried. */
  #giveUpAtMs = Number.POSITIVE_INFINITY;

  constructor(options: QueueOptions) {
    this.#o = options;
  }

  /** Lines waiting in the current interval. */
  get pending(): number {
    return this.#lines;
  }

  /** A batch is in flight and the next interval is at its cap: take nothing more for now. */
  get full(): boolean {
    return this.#inFlight !== null && this.#lines >= this.#holdLines;
  }

  /** Full because of the tenant's quota, not the product's own bound (UDP refused now is shed as over quota). */
  get overQuota(): boolean {
    return this.full && this.#holdLines < this.#o.maxPendingLines;
  }

  /** Lines per second of quota; 0 is no limit. */
  get #quota(): number {
    return this.#o.quota?.perSecond(this.#o.tenant) ?? 0;
  }

  /** A batch is published once it holds this many lines: at most one second of quota. */
  get #batchLines(): number {
    const quota = this.#quota;
    return quota === 0 ? this.#o.maxPendingLines : Math.min(this.#o.maxPendingLines, quota);
  }

  get #holdLines(): number {
    const quota = this.#quota;
    if (quota === 0) return this.#o.maxPendingLines;
    return Math.min(this.#o.maxPendingLines, Math.max(1, quota * (this.#o.quotaHoldSeconds ?? 5)));
  }

  /** One message, bytes[start, end) without its trailer. */
  add(b: Uint8Array, start: number, end: number, origin: Origin): void {
    if (this.#analysis === null) {
      this.#analysis = new Analysis({ referenceMs: this.#o.now() });
      this.#firstAtMs = this.#o.now();
      this.#timer = setTimeout(() => this.#flushSafely(), this.#o.intervalMs);
    }
    this.#lines++;
    this.#o.counters.format(normalise(b, start, end, origin, this.#writer));
    if (this.#writer.length >= BLOCK_BYTES) this.#parse(this.#analysis);
    if (this.#lines >= this.#batchLines && this.#inFlight === null) this.#flushSafely();
  }

  /** Call `resume` once the batch in flight is published (to resume a paused sender). */
  onDrain(resume: () => void): void {
    if (this.#inFlight === null) resume();
    else this.#drained.push(resume);
  }

  /** Publish what is in hand; failing publishes are retried for up to `timeoutMs`, then given up. */
  async close(timeoutMs: number): Promise<void> {
    this.#giveUpAtMs = this.#o.now() + timeoutMs;
    this.#closing = true;
    this.#flushSafely();
    while (this.#inFlight !== null) {
      await this.#inFlight;
      if (this.#lines > 0) this.#flushSafely();
    }
  }

  #parse(analysis: Analysis): void {
    analysis.addChunk(this.#writer.view());
    this.#writer.reset();
  }

  /** Runs from timers and socket handlers, where a throw would take the process down. */
  #flushSafely(): void {
    try {
      this.#flush();
    } catch (error) {
      const { tenant, transport } = this.#o;
      this.#o.logger.error({ err: error, tenant, transport }, 'syslog interval could not be published');
    }
  }

  #flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const analysis = this.#analysis;
    if (analysis === null) return;
    if (this.#inFlight !== null) {
      this.#due = true;
      return;
    }
    this.#parse(analysis);
    analysis.finish();
    this.#analysis = null;
    const lines = this.#lines;
    this.#lines = 0;
    this.#due = false;
    const { flows, stats } = analysis.result();
    this.#o.counters.analysed(stats);
    const { subjects, tenant, transport } = this.#o;
    const effects = observedEffects(
      subjects,
      tenant,
      flows,
      `syslog:${transport}`,
      this.#o.nextOrigin(),
      this.#o.now(),
      this.#firstAtMs,
    );
    this.#inFlight = this.#publish(effects, stats, lines).finally(() => {
      this.#inFlight = null;
      for (const resume of this.#drained.splice(0)) resume();
      if (this.#due || this.#lines >= this.#batchLines) this.#flushSafely();
    });
  }

  async #publish(effects: PublishEffects, stats: AnalysisStats, lines: number): Promise<void> {
    const { tenant, transport, logger, counters } = this.#o;
    await this.#admit(lines);
    let delayMs = this.#o.retryBaseMs;
    for (;;) {
      try {
        await publishAll(this.#o.log, effects);
        break;
      } catch (error) {
        counters.publishFailures++;
        const left = this.#giveUpAtMs - this.#o.now();
        if (left <= 0) {
          counters.lostDeltas += effects.length;
          logger.error(
            { err: error, tenant, transport, deltas: effects.length },
            'syslog deltas not published',
          );
          return;
        }
        logger.warn(
          { err: error, tenant, transport, deltas: effects.length, retryInMs: delayMs },
          'publishing syslog deltas failed; retrying',
        );
        await Bun.sleep(Math.min(delayMs, left));
        delayMs = Math.min(delayMs * 2, this.#o.retryMaxMs);
      }
    }
    counters.deltas += effects.length;
    this.#o.metrics?.ingested(tenant, 'syslog', stats, effects.length);
  }

  /**
   * Wait for the batch's lines to be within the tenant's quota; a store that fails is asked
   * again with backoff. After close() the batch goes out without waiting any longer.
   */
  async #admit(lines: number): Promise<void> {
    const quota = this.#o.quota;
    if (quota === undefined) return;
    const { tenant, transport, logger, counters } = this.#o;
    const stopping = () => this.#closing;
    let delayMs = this.#o.retryBaseMs;
    while (!stopping()) {
      try {
        const taken = await quota.take(tenant, lines, stopping);
        if (taken.waited) counters.throttled += lines;
        return;
      } catch (error) {
        logger.warn({ err: error, tenant, transport, retryInMs: delayMs }, 'syslog quota not read; retrying');
        await Bun.sleep(delayMs);
        delayMs = Math.min(delayMs * 2, this.#o.retryMaxMs);
      }
    }
  }
}

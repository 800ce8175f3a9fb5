/**
 * The file tail: follows one log file, parses what is appended, aggregates it
 * for up to a second and publishes one `flows.observed` delta per flow.
 *
 * Nothing read is lost or counted twice across a crash: before publishing an
 * interval the tail records its byte range as pending; after every delta is
 * acknowledged it records the new offset. A restart that finds a pending
 * range re-reads exactly those bytes and republishes the same msgIds, which
 * the stream deduplicates.
 */
import { Analysis } from '../../domain/analysis.ts';
import type { Logger } from '../../engine/log.ts';
import type { EventLog } from '../../engine/types.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';
import type { TailCursor } from '../../kv-schema/records.ts';
import type { Subjects } from '../../streams/mod.ts';
import { observedEffects } from './deltas.ts';
import { FileFollower, type Read } from './follower.ts';
import type { IngestMetrics } from './ingest.ts';
import { publishAll } from './publish.ts';

export interface FileTailOptions {
  path: string;
  tenant: string;
  log: EventLog;
  stores: Stores;
  subjects: Subjects;
  logger: Logger;
  /** Longest micro-aggregation interval (default 1 s). */
  intervalMs?: number;
  /** How often to look for new lines when idle (default 200 ms). */
  pollMs?: number;
  /** Without a saved position: read the file from its start, or only what is appended (default). */
  from?: 'start' | 'end';
  now?: () => number;
  metrics?: IngestMetrics;
}

interface Interval {
  ino: number;
  start: number;
  end: number;
  chunks: Uint8Array[];
}

export interface TailStats {
  lines: number;
  deltas: number;
  intervals: number;
}

export class FileTail {
  readonly #o: Required<Omit<FileTailOptions, 'metrics'>> & Pick<FileTailOptions, 'metrics'>;
  readonly #key: string;
  #follower: FileFollower | null = null;
  #carry: Read | null = null;
  #running: Promise<void> | null = null;
  #stopping = false;
  readonly stats: TailStats = { lines: 0, deltas: 0, intervals: 0 };

  constructor(options: FileTailOptions) {
    this.#o = { intervalMs: 1_000, pollMs: 200, from: 'end', now: Date.now, ...options };
    this.#key = keys.cursor('tail', options.tenant, options.path);
  }

  async start(): Promise<void> {
    const saved = (await this.#o.stores.tailCursors.get(this.#key))?.value ?? null;
    this.#follower = new FileFollower(
      this.#o.path,
      saved === null ? this.#o.from : { ino: saved.ino, offset: saved.offset },
    );
    await this.#follower.open();
    if (saved?.pending) await this.#replay(saved.pending);
    this.#running = this.#loop();
  }

  /** Finish the interval in hand, then stop. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    await this.#follower?.close();
  }

  async #replay(pending: NonNullable<TailCursor['pending']>): Promise<void> {
    const bytes = await this.#follower!.reread(pending.ino, pending.start, pending.end);
    if (bytes === null) {
      this.#o.logger.warn(
        { path: this.#o.path, pending },
        'pending range no longer readable; continuing after it',
      );
      await this.#commit(pending.ino, pending.end);
      return;
    }
    await this.#publish(pending.ino, pending.start, pending.end, [bytes]);
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      const interval = await this.#collect().catch((error) => {
        this.#o.logger.warn({ err: error, path: this.#o.path }, 'tail read failed');
        return null;
      });
      if (interval === null) await Bun.sleep(this.#o.pollMs);
      else await this.#publish(interval.ino, interval.start, interval.end, interval.chunks);
    }
  }

  /** Lines read within one interval from one contiguous range of one file. */
  async #collect(): Promise<Interval | null> {
    const first = this.#carry ?? (await this.#follower!.next());
    this.#carry = null;
    if (first === null) return null;
    const interval: Interval = { ino: first.ino, start: first.start, end: first.end, chunks: [first.bytes] };
    const deadline = this.#o.now() + this.#o.intervalMs;
    while (!this.#stopping && this.#o.now() < deadline) {
      const more = await this.#follower!.next();
      if (more === null) {
        await Bun.sleep(Math.min(this.#o.pollMs, Math.max(1, deadline - this.#o.now())));
      } else if (more.ino !== interval.ino || more.start !== interval.end) {
        this.#carry = more; // a rotated or truncated file starts the next interval
        break;
      } else {
        interval.chunks.push(more.bytes);
        interval.end = more.end;
      }
    }
    return interval;
  }

  async #publish(ino: number, start: number, end: number, chunks: Uint8Array[]): Promise<void> {
    const { tenant, path, subjects } = this.#o;
    await this.#o.stores.tailCursors.put(this.#key, {
      ino,
      offset: start,
      pending: { ino, start, end },
      updatedAtMs: this.#o.now(),
    });
    const analysis = new Analysis({ referenceMs: this.#o.now() });
    for (const chunk of chunks) analysis.addChunk(chunk);
    analysis.finish();
    const { flows, stats } = analysis.result();
    const effects = observedEffects(
      subjects,
      tenant,
      flows,
      `file:${path}`,
      `${ino}:${start}-${end}`,
      this.#o.now(),
    );
    await publishAll(this.#o.log, effects);
    await this.#commit(ino, end);
    this.stats.lines += stats.linesRead;
    this.stats.deltas += effects.length;
    this.stats.intervals++;
    this.#o.metrics?.ingested(tenant, 'tail', stats, effects.length);
    if (stats.rejectedTotal > 0) this.#o.logger.warn({ path, rejected: stats.rejected }, 'lines rejected');
  }

  async #commit(ino: number, offset: number): Promise<void> {
    await this.#o.stores.tailCursors.put(this.#key, {
      ino,
      offset,
      pending: null,
      updatedAtMs: this.#o.now(),
    });
  }
}

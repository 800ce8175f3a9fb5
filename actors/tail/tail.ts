/**
 * The tail: follows one log file (local, or remote through an injected
 * follower), parses what is appended, aggregates it for up to a second and
 * publishes one `flows.observed` delta per flow.
 *
 * Nothing read is lost or counted twice across a crash: before publishing an
 * interval the tail records its byte range as pending; after every delta is
 * acknowledged it records the new offset. A restart that finds a pending
 * range re-reads exactly those bytes and republishes the same msgIds, which
 * the stream deduplicates. A range that cannot be re-read *now* (a remote
 * host is down) is retried; only one whose bytes are gone is skipped.
 *
 * The loop never dies: a failed read or publish is reported in `health()`
 * and retried, with the interval in hand kept until it is published.
 *
 * A tenant over its lines-per-second quota (actors/tail/quota.ts) is held
 * back here: the interval in hand waits for its lines' tokens before its
 * range is marked pending, and nothing more is read meanwhile, so the lines
 * wait in the file. Stopping while held leaves the range unread by the
 * cursor: the next start reads it again.
 */
import { Analysis } from '../../domain/analysis.ts';
import type { Logger } from '../../engine/log.ts';
import type { EventLog } from '../../engine/types.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';
import type { Subjects } from '../../streams/mod.ts';
import { observedEffects } from './deltas.ts';
import { FileFollower, type Follower, type FollowerFactory, type Read } from './follower.ts';
import type { IngestMetrics } from './ingest.ts';
import { publishAll } from './publish.ts';
import type { LinesQuota } from './quota.ts';
import { type LogSource, type SourceHealth, SourceState } from './source.ts';

export interface FileTailOptions {
  /** The file's path (on the remote host for a remote follower). */
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
  /** Where the lines come from (default: the local file at `path`). */
  follower?: FollowerFactory;
  /**
   * Stable and free of secrets, e.g. `ssh:log@sw-syslog:22/var/log/sw.log`: the flows' `source` and the
   * cursor's identity. Default `file:<path>`, with the bare path as cursor identity (as saved so far).
   */
  name?: string;
  kind?: 'file' | 'ssh';
  /** The tenant's lines-per-second quota; absent: no limit. */
  quota?: LinesQuota;
}

interface Range {
  ino: number;
  start: number;
  end: number;
}

interface Interval extends Range {
  chunks: Uint8Array[];
  /** When its first bytes were read (absent for a replayed range: then the time it is published). */
  readAtMs?: number;
}

export interface TailStats {
  lines: number;
  deltas: number;
  intervals: number;
  rejected: number;
  /** Pending ranges republished after a restart. */
  replayed: number;
  /** Pending ranges whose bytes were gone (file replaced or shortened). */
  skipped: number;
  errors: number;
  /** Lines whose interval waited for the tenant's lines-per-second quota. */
  throttled: number;
}

export class FileTail implements LogSource {
  readonly name: string;
  readonly #o: Required<Omit<FileTailOptions, 'metrics' | 'name' | 'quota'>> &
    Pick<FileTailOptions, 'metrics' | 'quota'>;
  readonly #key: string;
  #follower: Follower | null = null;
  #carry: Read | null = null;
  /** The saved cursor's pending range: republished before anything new is read. */
  #pending: Range | null = null;
  /** Read but not yet published (a publish failed): published again, unchanged. */
  #held: Interval | null = null;
  #running: Promise<void> | null = null;
  #stopping = false;
  #failure: string | null = null;
  #lastReadAtMs: number | null = null;
  readonly stats: TailStats = {
    lines: 0,
    deltas: 0,
    intervals: 0,
    rejected: 0,
    replayed: 0,
    skipped: 0,
    errors: 0,
    throttled: 0,
  };

  constructor(options: FileTailOptions) {
    this.#o = {
      intervalMs: 1_000,
      pollMs: 200,
      from: 'end',
      now: Date.now,
      kind: 'file',
      follower: (from) => new FileFollower(options.path, from),
      ...options,
    };
    this.name = options.name ?? `file:${options.path}`;
    this.#key = keys.cursor('tail', options.tenant, options.name ?? options.path);
  }

  /** Loads the cursor and starts following. An absent file or unreachable host is reported by `health()`, not thrown. */
  async start(): Promise<void> {
    if (this.#running !== null) return;
    const saved = (await this.#o.stores.tailCursors.get(this.#key))?.value ?? null;
    const pending = saved?.pending ?? null;
    this.#pending = pending;
    // With a pending range the follower starts after it: the range itself is re-read exactly.
    this.#follower = this.#o.follower(
      pending !== null
        ? { ino: pending.ino, offset: pending.end }
        : saved !== null
          ? { ino: saved.ino, offset: saved.offset }
          : this.#o.from,
    );
    await this.#follower.open().catch((error: unknown) => this.#failed(error));
    this.#running = this.#loop();
  }

  /** Finish the interval in hand, then stop. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running;
    await this.#follower?.close().catch((error: unknown) => this.#failed(error));
  }

  health(): SourceHealth {
    const follower = this.#follower?.status() ?? { state: SourceState.Connecting, counters: {} };
    // The follower may be fine while the tail is not (e.g. publishing fails): then the tail is down.
    const failing = this.#failure !== null && follower.state === SourceState.Up;
    const detail = failing ? this.#failure! : follower.detail;
    return {
      name: this.name,
      kind: this.#o.kind,
      state: failing ? SourceState.Down : follower.state,
      ...(detail === undefined ? {} : { detail }),
      lastReadAtMs: this.#lastReadAtMs,
      counters: { ...follower.counters, ...this.stats },
    };
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      try {
        this.#held ??= this.#pending === null ? await this.#collect() : await this.#replayed(this.#pending);
        if (this.#held === null) {
          this.#recovered();
          await Bun.sleep(this.#o.pollMs);
          continue;
        }
        if (!(await this.#admitted(this.#held))) break;
        await this.#publish(this.#held);
        this.#held = null;
        this.#recovered();
      } catch (error) {
        this.#failed(error);
        await Bun.sleep(this.#o.pollMs);
      }
    }
  }

  /** True once the interval's lines are within the tenant's quota; false when stopping meanwhile. */
  async #admitted({ chunks }: Interval): Promise<boolean> {
    const quota = this.#o.quota;
    if (quota === undefined) return true;
    const lines = countLines(chunks);
    const taken = await quota.take(this.#o.tenant, lines, () => this.#stopping);
    if (taken.waited) this.stats.throttled += lines;
    return taken.done;
  }

  /** The pending range re-read, or null (and skipped) when its bytes are gone. Throws to try again later. */
  async #replayed(pending: Range): Promise<Interval | null> {
    const bytes = await this.#follower!.reread(pending.ino, pending.start, pending.end);
    if (bytes === null) {
      this.#o.logger.warn(
        { source: this.name, pending },
        'pending range no longer readable; continuing after it',
      );
      await this.#commit(pending.ino, pending.end);
      this.#pending = null;
      this.stats.skipped++;
      return null;
    }
    this.#pending = null;
    this.stats.replayed++;
    return { ...pending, chunks: [bytes] };
  }

  /** Lines read within one interval from one contiguous range of one file. */
  async #collect(): Promise<Interval | null> {
    const first = this.#carry ?? (await this.#follower!.next());
    this.#carry = null;
    if (first === null) return null;
    const readAtMs = this.#o.now();
    this.#lastReadAtMs = readAtMs;
    const interval: Interval = {
      ino: first.ino,
      start: first.start,
      end: first.end,
      chunks: [first.bytes],
      readAtMs,
    };
    const deadline = this.#o.now() + this.#o.intervalMs;
    while (!this.#stopping && this.#o.now() < deadline) {
      let more: Read | null;
      try {
        more = await this.#follower!.next();
      } catch (error) {
        this.#failed(error); // publish what is in hand; the next poll meets the error again
        break;
      }
      if (more === null) {
        await Bun.sleep(Math.min(this.#o.pollMs, Math.max(1, deadline - this.#o.now())));
        continue;
      }
      this.#lastReadAtMs = this.#o.now();
      if (more.ino !== interval.ino || more.start !== interval.end) {
        this.#carry = more; // a rotated or truncated file starts the next interval
        break;
      }
      interval.chunks.push(more.bytes);
      interval.end = more.end;
    }
    return interval;
  }

  async #publish({ ino, start, end, chunks, readAtMs }: Interval): Promise<void> {
    const { tenant, subjects } = this.#o;
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
      this.name,
      `${ino}:${start}-${end}`,
      this.#o.now(),
      readAtMs,
    );
    await publishAll(this.#o.log, effects);
    await this.#commit(ino, end);
    this.stats.lines += stats.linesRead;
    this.stats.deltas += effects.length;
    this.stats.intervals++;
    this.stats.rejected += stats.rejectedTotal;
    this.#o.metrics?.ingested(tenant, 'tail', stats, effects.length);
    if (stats.rejectedTotal > 0) {
      this.#o.logger.warn({ source: this.name, rejected: stats.rejected }, 'lines rejected');
    }
  }

  async #commit(ino: number, offset: number): Promise<void> {
    await this.#o.stores.tailCursors.put(this.#key, {
      ino,
      offset,
      pending: null,
      updatedAtMs: this.#o.now(),
    });
  }

  /** Logged once per distinct failure, so a long outage does not flood the log. */
  #failed(error: unknown): void {
    this.stats.errors++;
    const detail = error instanceof Error ? error.message : String(error);
    if (detail !== this.#failure) this.#o.logger.warn({ err: error, source: this.name }, 'tail failed');
    this.#failure = detail;
  }

  #recovered(): void {
    if (this.#failure === null) return;
    this.#o.logger.info({ source: this.name }, 'tail recovered');
    this.#failure = null;
  }
}

const LF = 10;

/** Lines in an interval's bytes: its newlines, and a last line without one. */
export function countLines(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const chunk of chunks) for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) n++;
  const last = chunks.at(-1);
  return last !== undefined && last.length > 0 && last[last.length - 1] !== LF ? n + 1 : n;
}

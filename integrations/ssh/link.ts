/**
 * One SSH connection, kept up on demand: `session()` hands out the live
 * session, or starts an attempt when one is due and answers null meanwhile.
 * A failed attempt or a lost session waits an exponential backoff with
 * jitter before the next try. Attempts are driven by the caller's polling, so
 * no timer outlives `close()`.
 */
import type { Logger } from '../../engine/log.ts';
import { SourceState } from '../../engine/sources.ts';
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import type { SshSession } from './connect.ts';
import { SshError, SshErrorCode } from './errors.ts';

export interface SshLinkOptions {
  /** Opens a new connection; called again after every failure or drop. */
  connect: () => Promise<SshSession>;
  backoff?: Backoff;
  now?: () => number;
  random?: () => number;
  logger?: Logger;
}

export interface SshLinkStatus {
  state: SourceState;
  /** The last failure, while not up. */
  detail?: string;
  counters: { connects: number; reconnects: number; connectFailures: number };
}

/** Codes first, so a health report can be matched on `host_key_mismatch`, `auth_failed`, … */
export const explain = (error: unknown): string =>
  error instanceof SshError ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error);

export class SshLink {
  readonly #connect: () => Promise<SshSession>;
  readonly #backoff: Backoff;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #logger: Logger | undefined;
  #session: SshSession | null = null;
  #connecting: Promise<void> | null = null;
  #closed = false;
  #failures = 0;
  #retryAt = 0;
  #state: SourceState = SourceState.Connecting;
  #detail: string | undefined;
  readonly #counters = { connects: 0, reconnects: 0, connectFailures: 0 };

  constructor(options: SshLinkOptions) {
    this.#connect = options.connect;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger;
  }

  /** The live session, or null while there is none (an attempt is started when one is due). */
  session(): SshSession | null {
    if (this.#session === null) this.#attempt();
    return this.#session;
  }

  /** The session worked: the next failure starts the backoff from the beginning again. */
  healthy(): void {
    this.#failures = 0;
  }

  /** The session is unusable (its handles die with it): drop it and reconnect after a backoff. */
  lost(session: SshSession, error: unknown): void {
    if (this.#session !== session) return;
    this.#session = null;
    session.end();
    this.#failed(SourceState.Connecting, error);
  }

  status(): SshLinkStatus {
    const counters = { ...this.#counters };
    return this.#state === SourceState.Up || this.#detail === undefined
      ? { state: this.#state, counters }
      : { state: this.#state, detail: this.#detail, counters };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#connecting;
    this.#session?.end();
    this.#session = null;
    this.#state = SourceState.Down;
    this.#detail = 'stopped';
  }

  #attempt(): void {
    if (this.#connecting !== null || this.#closed || this.#now() < this.#retryAt) return;
    this.#state = SourceState.Connecting;
    this.#connecting = this.#connect()
      .then(
        (session) => {
          if (this.#closed) return void session.end();
          this.#session = session;
          if (++this.#counters.connects > 1) this.#counters.reconnects++;
          this.#state = SourceState.Up;
          this.#detail = undefined;
          this.#logger?.info('ssh connected');
          void session.closed.then((error) =>
            this.lost(session, error ?? new SshError(SshErrorCode.ConnectFailed, 'connection closed')),
          );
        },
        (error: unknown) => {
          this.#counters.connectFailures++;
          this.#failed(SourceState.Down, error);
        },
      )
      .finally(() => {
        this.#connecting = null;
      });
  }

  #failed(state: SourceState, error: unknown): void {
    this.#failures++;
    this.#retryAt = this.#now() + backoffDelay(this.#failures, this.#backoff, this.#random);
    const detail = explain(error);
    // Logged once per distinct failure: a long outage does not flood the log.
    if (detail !== this.#detail) this.#logger?.warn({ detail }, 'ssh connection failed');
    this.#state = state;
    this.#detail = detail;
  }
}

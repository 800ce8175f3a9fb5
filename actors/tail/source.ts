/**
 * What every log source (a local file, a file over SSH, the syslog receiver)
 * reports about itself, so `/readyz` and `/metrics` show each one the same way.
 */

export const SourceState = {
  Up: 'up',
  /** Starting, or reconnecting after a failure. */
  Connecting: 'connecting',
  Down: 'down',
} as const;
export type SourceState = (typeof SourceState)[keyof typeof SourceState];

export interface SourceHealth {
  /** Stable and free of secrets, e.g. `file:/var/log/sw.log`, `ssh:log@syslog1:22/var/log/sw.log`, `syslog:udp:0.0.0.0:514`. */
  name: string;
  kind: 'file' | 'ssh' | 'syslog';
  state: SourceState;
  /** The last failure, while not up. */
  detail?: string;
  lastReadAtMs: number | null;
  /** Monotonic counters, e.g. lines, received, parsed, rejected, dropped, reconnects. */
  counters: Record<string, number>;
}

export interface LogSource {
  readonly name: string;
  start(): Promise<void>;
  /** Finish what is in hand, then stop. */
  stop(): Promise<void>;
  health(): SourceHealth;
}

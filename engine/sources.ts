/**
 * What a log source is, to whoever runs it and whoever reports on it: its
 * health (the same shape for a local file, a file over SSH and the syslog
 * receiver, so `/readyz` and `/metrics` show each one alike), and the
 * contract of a follower, the reader of one growing file, local or remote.
 * It sits below both the tail actor and the integrations that read remote
 * files, so neither reaches into the other.
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

export interface FilePosition {
  /** Which file: an inode, or for a remote file a fingerprint of its first line. */
  ino: number;
  offset: number;
}

/** Where reading starts: a saved position (when it still names that file), or the file's start or end. */
export type FollowFrom = FilePosition | 'start' | 'end';

export interface Read {
  ino: number;
  start: number;
  end: number;
  bytes: Uint8Array;
}

/** How a follower is doing, for the tail's health report. */
export interface FollowerStatus {
  state: SourceState;
  detail?: string;
  counters: Record<string, number>;
}

/**
 * `tail -F` of one path: appends followed, rotation and truncation noticed,
 * and only complete lines handed out, so a position is always a line
 * boundary that can be saved and resumed from.
 */
export interface Follower {
  readonly position: FilePosition;
  /** Start following (where the file exists, fixes where `end` is). Never throws for an absent or unreachable file. */
  open(): Promise<void>;
  /** The next complete lines, or null when there is nothing new (yet). */
  next(): Promise<Read | null>;
  /**
   * Exactly [start, end) of file `ino` again. Null: those bytes are gone
   * (another file now, or a shorter one). Throws: cannot tell now (e.g. the
   * connection is down): try again later.
   */
  reread(ino: number, start: number, end: number): Promise<Uint8Array | null>;
  close(): Promise<void>;
  status(): FollowerStatus;
}

/** Builds the follower of one source, starting where the saved cursor says. */
export type FollowerFactory = (from: FollowFrom) => Follower;

/** A line longer than this without an ending is handed out as is, so it cannot stall the tail. */
export const MAX_PARTIAL = 1 << 20;

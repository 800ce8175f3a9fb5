/**
 * `tail -F` for one path: follows appends, notices rotation (the path now
 * names another inode: the old file is read to its end first) and truncation
 * (the file got shorter: start again at 0), and hands out only complete lines,
 * so a position is always a line boundary that can be saved and resumed from.
 *
 * `Follower` (engine/sources.ts) is what the tail needs from any such reader,
 * local or remote.
 */
import { type FileHandle, open, stat } from 'node:fs/promises';
import {
  type FilePosition,
  type Follower,
  type FollowerStatus,
  type FollowFrom,
  MAX_PARTIAL,
  type Read,
  SourceState,
} from '../../engine/sources.ts';

export {
  type FilePosition,
  type Follower,
  type FollowerFactory,
  type FollowerStatus,
  type FollowFrom,
  MAX_PARTIAL,
  type Read,
} from '../../engine/sources.ts';

export class FileFollower implements Follower {
  readonly path: string;
  readonly #maxRead: number;
  #handle: FileHandle | null = null;
  #ino = -1;
  #offset = 0;
  #initial: FollowFrom;
  #bytesRead = 0;

  constructor(path: string, from: FollowFrom, maxRead = 4 << 20) {
    this.path = path;
    this.#initial = from;
    this.#maxRead = maxRead;
  }

  get position(): FilePosition {
    return { ino: this.#ino, offset: this.#offset };
  }

  async #openPath(): Promise<boolean> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(this.path);
    } catch {
      return false; // not there (yet): rotation in progress, or never created
    }
    await this.#handle?.close();
    this.#handle = await open(this.path, 'r');
    const ino = Number(info.ino);
    const from = this.#initial;
    this.#initial = 'start'; // after the first open, every new file is read from its start
    if (from === 'end') this.#offset = info.size;
    else if (from === 'start' || from.ino !== ino) this.#offset = 0;
    else this.#offset = from.offset > info.size ? 0 : from.offset;
    this.#ino = ino;
    return true;
  }

  /**
   * Open the file now (when it exists), fixing where reading starts: for
   * `end`, lines appended after this call are read, and none before it.
   */
  async open(): Promise<void> {
    if (this.#handle === null) await this.#openPath();
  }

  /** The next complete lines, or null when there is nothing new. */
  async next(): Promise<Read | null> {
    if (this.#handle === null && !(await this.#openPath())) return null;
    const handle = this.#handle!;
    const size = (await handle.stat()).size;
    if (size < this.#offset) this.#offset = 0; // truncated in place
    if (size > this.#offset) {
      const read = await this.#read(handle, Math.min(size - this.#offset, this.#maxRead));
      if (read !== null) return read;
    }
    // Nothing (complete) left here: has the path moved on to a new file?
    const now = await stat(this.path).catch(() => null);
    if (now !== null && Number(now.ino) !== this.#ino) {
      // The old file's unterminated last line is all it will ever have: hand it out before switching.
      if (size > this.#offset) return this.#read(handle, size - this.#offset, true);
      await this.#openPath();
      return this.next();
    }
    return null;
  }

  async #read(handle: FileHandle, length: number, whole = false): Promise<Read | null> {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, this.#offset);
    const last = buffer.lastIndexOf(10, bytesRead - 1);
    const cut = whole || (last === -1 && bytesRead >= MAX_PARTIAL) ? bytesRead : last + 1;
    if (cut === 0) return null;
    const start = this.#offset;
    this.#offset += cut;
    this.#bytesRead += cut;
    return { ino: this.#ino, start, end: this.#offset, bytes: buffer.subarray(0, cut) };
  }

  /** Read exactly [start, end) of the current file again (replaying an interval after a crash). */
  async reread(ino: number, start: number, end: number): Promise<Uint8Array | null> {
    if (this.#handle === null && !(await this.#openPath())) return null;
    if (ino !== this.#ino) return null;
    const buffer = new Uint8Array(end - start);
    const { bytesRead } = await this.#handle!.read(buffer, 0, end - start, start);
    return bytesRead === end - start ? buffer : null;
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = null;
  }

  status(): FollowerStatus {
    const counters = { bytesRead: this.#bytesRead };
    // A file that is not there yet is waited for, not an error: it may be created or rotated in.
    if (this.#handle === null) {
      return { state: SourceState.Connecting, detail: `waiting for ${this.path} to exist`, counters };
    }
    return { state: SourceState.Up, counters };
  }
}

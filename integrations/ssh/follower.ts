/**
 * `tail -F` of a remote file over SFTP, with the same contract as the local
 * FileFollower: complete lines only, appends followed, rotation and truncation
 * noticed, and a position that can be saved and resumed from.
 *
 * SFTP has no inode, so a file is known by a fingerprint of its first line
 * (identity.ts); nothing is read from a file until that line is complete.
 * Rotation: when the open file has nothing more and the path's file has
 * another first line, the old file's rest is handed out, then the new file is
 * read from 0. Truncation: the open file got shorter, so reading starts again
 * at 0 (and the file is fingerprinted again, its first line being new).
 *
 * The connection is the follower's own business (link.ts): a dropped one is
 * reopened with backoff and jitter, and reading resumes at the saved offset of
 * the same file.
 */

import type { Logger } from '../../engine/log.ts';
import {
  type FilePosition,
  type Follower,
  type FollowerStatus,
  type FollowFrom,
  MAX_PARTIAL,
  type Read,
  SourceState,
} from '../../engine/sources.ts';
import type { SshSession } from './connect.ts';
import { SshError, SshErrorCode } from './errors.ts';
import { fileIdentity, IDENTITY_BYTES } from './identity.ts';
import { SshLink, type SshLinkOptions } from './link.ts';
import { closeHandle, fstat, openRead, readAt, stat } from './sftp.ts';

export interface SshFollowerOptions extends SshLinkOptions {
  path: string;
  from: FollowFrom;
  /** Most bytes handed out by one `next()` (default 1 MiB). */
  maxRead?: number;
}

/** The open file, tied to the session its handle belongs to (a new session needs a new handle). */
interface OpenFile {
  session: SshSession;
  handle: Buffer;
  /** Null until its first line is complete. */
  ino: number | null;
}

export class SshFollower implements Follower {
  readonly path: string;
  readonly #link: SshLink;
  readonly #maxRead: number;
  readonly #logger: Logger | undefined;
  #file: OpenFile | null = null;
  #waiting: string | null = null;
  /** How the first opened file is read; afterwards the position itself says. */
  #initial: FollowFrom | null;
  /** The file `#offset` belongs to; null: whichever file is identified next. */
  #expect: number | null = null;
  #ino = -1;
  #offset = 0;
  #bytesRead = 0;

  constructor(options: SshFollowerOptions) {
    this.path = options.path;
    this.#link = new SshLink(options);
    this.#maxRead = options.maxRead ?? MAX_PARTIAL;
    this.#logger = options.logger;
    this.#initial = options.from;
  }

  get position(): FilePosition {
    return { ino: this.#ino, offset: this.#offset };
  }

  /** Starts connecting and returns at once: an unreachable host is reported by `status()`, never thrown. */
  async open(): Promise<void> {
    this.#link.session();
  }

  async next(): Promise<Read | null> {
    const session = this.#link.session();
    if (session === null) return null;
    try {
      const read = await this.#step(session);
      this.#link.healthy();
      return read;
    } catch (error) {
      this.#link.lost(session, error);
      return null;
    }
  }

  async reread(ino: number, start: number, end: number): Promise<Uint8Array | null> {
    const session = this.#link.session();
    if (session === null) {
      const why = this.#link.status().detail ?? 'connecting';
      throw new SshError(SshErrorCode.NotConnected, `not connected (${why})`);
    }
    try {
      const file = await this.#current(session);
      if (file === null) throw new SshError(SshErrorCode.Sftp, `waiting for ${this.path} to exist`);
      const { size } = await fstat(session.sftp, file.handle);
      if (file.ino === null && !(await this.#identify(file, size))) return null;
      if (file.ino !== ino || size < end) return null;
      const bytes = await readAt(session.sftp, file.handle, end - start, start);
      return bytes.length === end - start ? bytes : null;
    } catch (error) {
      if (!(error instanceof SshError)) this.#link.lost(session, error);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#file = null;
    await this.#link.close();
  }

  status(): FollowerStatus {
    const link = this.#link.status();
    const counters = { ...link.counters, bytesRead: this.#bytesRead };
    if (link.state === SourceState.Up && this.#waiting !== null) {
      return { state: SourceState.Connecting, detail: this.#waiting, counters };
    }
    return { ...link, counters };
  }

  /** One poll on a live session. Throws on any SFTP failure: the caller drops the session. */
  async #step(session: SshSession): Promise<Read | null> {
    const file = await this.#current(session);
    if (file === null) return null;
    const attrs = await fstat(session.sftp, file.handle);
    if (attrs.size < this.#offset) {
      // Truncated in place: same file, new content, so its first line must be fingerprinted again.
      this.#offset = 0;
      file.ino = null;
      this.#expect = null;
    }
    if (file.ino === null && !(await this.#identify(file, attrs.size))) return null;
    this.#waiting = null;
    if (attrs.size > this.#offset) {
      const read = await this.#read(file, Math.min(attrs.size - this.#offset, this.#maxRead), false);
      if (read !== null) return read;
    }
    // Nothing complete left here: does the path name another file now? Cheap check first.
    const now = await stat(session.sftp, this.path);
    if (now === null || (now.size === attrs.size && now.mtime === attrs.mtime)) return null;
    const handle = await openRead(session.sftp, this.path);
    if (handle === null) return null;
    const head = await readAt(session.sftp, handle, IDENTITY_BYTES, 0);
    const ino = fileIdentity(head);
    if (ino === null || ino === file.ino) {
      await closeHandle(session.sftp, handle);
      return null;
    }
    // Rotated: the old file's unterminated last line is all it will ever have; then the new file from 0.
    if (attrs.size > this.#offset) {
      await closeHandle(session.sftp, handle);
      return this.#read(file, Math.min(attrs.size - this.#offset, this.#maxRead), true);
    }
    await closeHandle(session.sftp, file.handle);
    this.#file = { session, handle, ino };
    this.#logger?.info({ path: this.path, from: this.#ino, to: ino }, 'remote file rotated');
    this.#ino = ino;
    this.#expect = ino;
    this.#offset = 0;
    return this.#step(session);
  }

  /** The open file of this session, opening the path when there is none; null while the path is absent. */
  async #current(session: SshSession): Promise<OpenFile | null> {
    if (this.#file !== null && this.#file.session === session) return this.#file;
    const handle = await openRead(session.sftp, this.path);
    if (handle === null) {
      this.#waiting = `waiting for ${this.path} to exist`;
      return null;
    }
    const initial = this.#initial;
    this.#initial = null;
    if (initial === 'end') this.#offset = (await fstat(session.sftp, handle)).size;
    else if (initial === 'start') this.#offset = 0;
    else if (initial !== null) {
      this.#expect = initial.ino;
      this.#offset = initial.offset;
    }
    this.#file = { session, handle, ino: null };
    return this.#file;
  }

  /** Fingerprints the open file; decides whether the position still applies to it. */
  async #identify(file: OpenFile, size: number): Promise<boolean> {
    const head = await readAt(file.session.sftp, file.handle, Math.min(size, IDENTITY_BYTES), 0);
    const ino = fileIdentity(head);
    if (ino === null) {
      this.#waiting = `waiting for the first line of ${this.path}`;
      return false;
    }
    if (this.#expect !== null && this.#expect !== ino) {
      // Another file than the one the position is about: it was replaced while we were away.
      this.#logger?.warn({ path: this.path }, 'remote file changed while disconnected; reading the new one');
      this.#offset = 0;
    } else if (this.#offset > size) {
      this.#offset = 0; // the same first line, but shorter than our position: truncated
    }
    file.ino = ino;
    this.#ino = ino;
    this.#expect = ino;
    return true;
  }

  async #read(file: OpenFile, length: number, whole: boolean): Promise<Read | null> {
    const bytes = await readAt(file.session.sftp, file.handle, length, this.#offset);
    const last = bytes.lastIndexOf(10);
    const cut = whole || (last === -1 && bytes.length >= MAX_PARTIAL) ? bytes.length : last + 1;
    if (cut === 0 || file.ino === null) return null;
    const start = this.#offset;
    this.#offset += cut;
    this.#bytesRead += cut;
    return { ino: file.ino, start, end: this.#offset, bytes: bytes.subarray(0, cut) };
  }
}

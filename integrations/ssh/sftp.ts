/**
 * The few SFTP requests a remote tail needs, as promises. "No such file" is an
 * answer (null), not an error: a path is briefly missing during rotation.
 * Every other failure rejects; a connection that dies fails every request in
 * flight (ssh2 answers them with an error), so nothing waits forever.
 */
import { type SFTPWrapper, utils } from 'ssh2';

export interface RemoteStat {
  size: number;
  /** Seconds: SFTP v3 carries no finer time. */
  mtime: number;
}

const NO_SUCH_FILE = utils.sftp.STATUS_CODE.NO_SUCH_FILE;
const isMissing = (err: Error) => (err as Error & { code?: unknown }).code === NO_SUCH_FILE;

/** A read-only handle, or null when the path does not exist. */
export function openRead(sftp: SFTPWrapper, path: string): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    sftp.open(path, 'r', (err, handle) => {
      if (err === undefined || err === null) resolve(handle);
      else if (isMissing(err)) resolve(null);
      else reject(err);
    });
  });
}

/** Up to `length` bytes at `position`; fewer at the end of the file. */
export function readAt(sftp: SFTPWrapper, handle: Buffer, length: number, position: number): Promise<Buffer> {
  if (length === 0) return Promise.resolve(Buffer.alloc(0));
  const buffer = Buffer.alloc(length);
  return new Promise((resolve, reject) => {
    sftp.read(handle, buffer, 0, length, position, (err, bytesRead) => {
      if (err) reject(err);
      else resolve(buffer.subarray(0, bytesRead));
    });
  });
}

export function fstat(sftp: SFTPWrapper, handle: Buffer): Promise<RemoteStat> {
  return new Promise((resolve, reject) => {
    sftp.fstat(handle, (err, stats) => {
      if (err) reject(err);
      else resolve({ size: stats.size, mtime: stats.mtime });
    });
  });
}

/** Null when the path does not exist. */
export function stat(sftp: SFTPWrapper, path: string): Promise<RemoteStat | null> {
  return new Promise((resolve, reject) => {
    sftp.stat(path, (err, stats) => {
      if (err === undefined || err === null) resolve({ size: stats.size, mtime: stats.mtime });
      else if (isMissing(err)) resolve(null);
      else reject(err);
    });
  });
}

/** Closing is best effort: on a dead connection the handle is gone anyway. */
export function closeHandle(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  return new Promise((resolve) => {
    try {
      sftp.close(handle, () => resolve());
    } catch {
      resolve();
    }
  });
}

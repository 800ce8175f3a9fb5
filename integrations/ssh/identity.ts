/**
 * A remote file's identity. SFTP has no inode, so a file is known by its first
 * line (up to 1 KB), as Vector's and Filebeat's fingerprinting does: the same
 * first line is the same file, a different one means the path now names
 * another file. The hash is cut to 48 bits so it fits the numeric `ino` the
 * tail's cursor stores.
 */
import { createHash } from 'node:crypto';

/** How much of the file's head the identity covers. */
export const IDENTITY_BYTES = 1024;

/**
 * The identity of a file starting with `head` (at least its first
 * IDENTITY_BYTES bytes when it is that long), or null while its first line is
 * incomplete: nothing is read from a file before it can be recognised again.
 */
export function fileIdentity(head: Uint8Array): number | null {
  const newline = head.subarray(0, IDENTITY_BYTES).indexOf(10);
  let length: number;
  if (newline !== -1) length = newline + 1;
  else if (head.length >= IDENTITY_BYTES) length = IDENTITY_BYTES;
  else return null;
  return createHash('sha256').update(head.subarray(0, length)).digest().readUIntBE(0, 6);
}

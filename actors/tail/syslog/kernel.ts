/**
 * The kernel's own count of a UDP socket's drops: datagrams that arrived
 * while its receive buffer was full never reach the process, so only the
 * kernel knows. Linux lists every UDP socket in /proc/net/udp (IPv4) and
 * /proc/net/udp6 with its queued bytes and its `drops`; elsewhere, or when
 * the file cannot be read, the answer is null (unknown), never an error.
 */
import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { endianness } from 'node:os';

export interface KernelUdpStats {
  /** Datagrams the kernel dropped for this socket since it was opened. */
  drops: number;
  /** Bytes waiting in its receive buffer right now. */
  queuedBytes: number;
}

/** Where a bound socket is listed: the file and its `local_address` column. */
export interface ProcEntry {
  file: '/proc/net/udp' | '/proc/net/udp6';
  local: string;
}

/** An IPv6 address as 16 bytes (zone id ignored, embedded IPv4 allowed); null if it is none. */
function ipv6Bytes(address: string): number[] | null {
  const text = address.split('%')[0] ?? '';
  if (!isIPv6(text)) return null;
  let groups = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4 !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
    groups = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const words = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return words.flatMap((w) => {
    const n = Number.parseInt(w, 16);
    return [n >> 8, n & 0xff];
  });
}

const hex = (bytes: number[]) =>
  bytes
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();

/**
 * The kernel prints each 32-bit word of an address as the number it is in
 * memory, i.e. byte-reversed on a little-endian machine, and the port as a
 * plain number: 127.0.0.1:514 is `0100007F:0202` on x86.
 */
export function procEntry(
  address: string,
  port: number,
  littleEndian = endianness() === 'LE',
): ProcEntry | null {
  const bytes = isIPv4(address) ? address.split('.').map(Number) : ipv6Bytes(address);
  if (bytes === null) return null;
  const words: number[][] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    words.push(littleEndian ? word.reverse() : word);
  }
  return {
    file: bytes.length === 4 ? '/proc/net/udp' : '/proc/net/udp6',
    local: `${words.map(hex).join('')}:${port.toString(16).toUpperCase().padStart(4, '0')}`,
  };
}

/** The row of a /proc/net/udp table whose local address is `local`, or null. */
export function findUdpStats(table: string, local: string): KernelUdpStats | null {
  for (const line of table.split('\n')) {
    // sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
    const f = line.trim().split(/\s+/);
    if (f.length < 13 || f[1]?.toUpperCase() !== local) continue;
    const drops = Number(f[f.length - 1]);
    const queuedBytes = Number.parseInt(f[4]?.split(':')[1] ?? '', 16);
    if (!Number.isFinite(drops)) return null;
    return { drops, queuedBytes: Number.isFinite(queuedBytes) ? queuedBytes : 0 };
  }
  return null;
}

/** The socket bound to address:port as the kernel sees it, or null when that cannot be known here. */
export function readKernelUdpStats(address: string, port: number): KernelUdpStats | null {
  const entry = procEntry(address, port);
  if (entry === null) return null;
  try {
    return findUdpStats(readFileSync(entry.file, 'latin1'), entry.local);
  } catch {
    return null; // no /proc (not Linux, a sandbox): unknown
  }
}

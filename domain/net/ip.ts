/**
 * IP addresses as numbers: IPv4 and IPv6 text parsed to an unsigned integer
 * (32 or 128 bits), printed back in one canonical form (dotted quad; RFC 5952
 * for IPv6), and converted to and from network-order bytes. An IPv4-mapped
 * IPv6 address (`::ffff:192.0.2.1`) is the IPv4 address it carries: a switch
 * logging a dual-stack socket must not hide a private IPv4 destination.
 * Pure: no I/O, no DNS.
 */

export type IpVersion = 4 | 6;

export interface IpAddress {
  readonly version: IpVersion;
  /** Unsigned: below 2^32 for IPv4, below 2^128 for IPv6. */
  readonly value: bigint;
}

export const bitsOf = (version: IpVersion): 32 | 128 => (version === 4 ? 32 : 128);

const DOTTED = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const MAPPED_PREFIX = 0xffffn << 32n;

/** Dotted-quad IPv4 as a number, or null. Leading zeros are refused: `010` reads as octal to some tools. */
function parseV4(text: string): bigint | null {
  const m = DOTTED.exec(text);
  if (m === null) return null;
  let value = 0n;
  for (let i = 1; i <= 4; i += 1) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** Hex groups of one side of `::`, the last may be a dotted quad (two groups). */
function groupsOf(side: string, allowDotted: boolean): bigint[] | null {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: bigint[] = [];
  for (const [i, part] of parts.entries()) {
    if (allowDotted && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseV4(part);
      if (v4 === null) return null;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(part)) {
      groups.push(BigInt(`0x${part}`));
    } else {
      return null;
    }
  }
  return groups;
}

/** IPv6 text (RFC 4291 §2.2 forms, no zone id) as a number, or null. */
function parseV6(text: string): bigint | null {
  if (text.length > 45 || text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<bigint>(halves.length === 2 ? missing : 0).fill(0n), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** True for `::ffff:a.b.c.d` (::ffff:0:0/96). */
export const isV4Mapped = (value: bigint): boolean => value >> 32n === 0xffffn;

/** An IPv6 number as it was written, without unmapping; for CIDR parsing. */
export function parseIpRaw(text: string): IpAddress | null {
  const v4 = parseV4(text);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = text.includes(':') ? parseV6(text) : null;
  return v6 === null ? null : { version: 6, value: v6 };
}

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 comes back as IPv4. Null when invalid. */
export function parseIp(text: string): IpAddress | null {
  const ip = parseIpRaw(text);
  if (ip === null || ip.version === 4 || !isV4Mapped(ip.value)) return ip;
  return { version: 4, value: ip.value - MAPPED_PREFIX };
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatV6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn));
  let best = { start: -1, length: 0 };
  let run = { start: -1, length: 0 };
  for (const [i, g] of groups.entries()) {
    if (g !== 0) {
      run = { start: -1, length: 0 };
      continue;
    }
    run = run.start === -1 ? { start: i, length: 1 } : { start: run.start, length: run.length + 1 };
    if (run.length > best.length) best = run;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  const head = hex.slice(0, best.start).join(':');
  const tail = hex.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** The canonical text of an address: the same address always prints the same way (cache keys rely on it). */
export const formatIp = (ip: IpAddress): string =>
  ip.version === 4 ? formatV4(ip.value) : formatV6(ip.value);

/** Network-order bytes: 4 for IPv4, 16 for IPv6. */
export function ipToBytes(ip: IpAddress): Uint8Array {
  const length = ip.version === 4 ? 4 : 16;
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = Number((ip.value >> BigInt((length - 1 - i) * 8)) & 0xffn);
  return bytes;
}

/** The address of 4 or 16 network-order bytes; null for any other length. */
export function ipFromBytes(bytes: Uint8Array): IpAddress | null {
  if (bytes.length !== 4 && bytes.length !== 16) return null;
  const value = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return { version: bytes.length === 4 ? 4 : 6, value };
}

/** Canonical text of an address given as text, or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text.trim());
  return ip === null ? null : formatIp(ip);
}

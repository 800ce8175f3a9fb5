/**
 * CIDR blocks (`192.0.2.0/24`, `2001:db8::/32`): parsing, containment and the
 * address range a block covers. A bare address is its own host block (/32 or
 * /128). Blocks written with host bits set (`192.0.2.7/24`) are masked by
 * default, as routers do, or refused in strict mode. A block inside
 * ::ffff:0:0/96 is the IPv4 block it maps, like addresses in ip.ts.
 */
import { bitsOf, formatIp, type IpAddress, type IpVersion, isV4Mapped, parseIpRaw } from './ip.ts';

export interface Cidr {
  readonly version: IpVersion;
  /** The first address, host bits cleared. */
  readonly network: bigint;
  readonly prefix: number;
}

export interface ParseCidrOptions {
  /** Refuse a block whose host bits are set instead of masking them. */
  strict?: boolean;
}

const PREFIX = /^(0|[1-9]\d{0,2})$/;

/** All-ones mask of the host part of a block. */
const hostMask = (version: IpVersion, prefix: number): bigint =>
  (1n << BigInt(bitsOf(version) - prefix)) - 1n;

export function parseCidr(text: string, options: ParseCidrOptions = {}): Cidr | null {
  const slash = text.indexOf('/');
  const address = parseIpRaw(slash === -1 ? text : text.slice(0, slash));
  if (address === null) return null;
  let prefix: number = bitsOf(address.version);
  if (slash !== -1) {
    const raw = text.slice(slash + 1);
    if (!PREFIX.test(raw) || Number(raw) > prefix) return null;
    prefix = Number(raw);
  }
  let version = address.version;
  let value = address.value;
  if (version === 6 && prefix >= 96 && isV4Mapped(value)) {
    version = 4;
    value &= 0xffffffffn;
    prefix -= 96;
  }
  const host = value & hostMask(version, prefix);
  if (host !== 0n && options.strict === true) return null;
  return { version, network: value - host, prefix };
}

/** The last address of a block. */
export const cidrLast = (c: Cidr): bigint => c.network | hostMask(c.version, c.prefix);

export const cidrContains = (c: Cidr, ip: IpAddress): boolean =>
  ip.version === c.version && ip.value >= c.network && ip.value <= cidrLast(c);

/** `network/prefix` in canonical address form. */
export const formatCidr = (c: Cidr): string =>
  `${formatIp({ version: c.version, value: c.network })}/${c.prefix}`;

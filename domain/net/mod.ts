/** Public surface of domain/net/: IP and CIDR parsing, special-purpose ranges, longest-prefix matching. */
export { type Cidr, cidrContains, cidrLast, formatCidr, type ParseCidrOptions, parseCidr } from './cidr.ts';
export {
  bitsOf,
  canonicalIp,
  formatIp,
  type IpAddress,
  type IpVersion,
  ipFromBytes,
  ipToBytes,
  isV4Mapped,
  parseIp,
} from './ip.ts';
export { type PrefixMatch, PrefixSet } from './prefix-set.ts';
export { isPublicRoutable, type SpecialRange, specialRange } from './special.ts';

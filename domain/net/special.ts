/**
 * Which destinations may be looked up at an outside threat-intel provider.
 * Built from the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC
 * 6890 and successors), the multicast ranges and the IPv6 address-space
 * registry: an address is public when the most specific range holding it is
 * marked globally reachable, or when no special range holds it (IPv4) — IPv6
 * outside 2000::/3 is IETF-reserved, so it is not public either. Private,
 * loopback, link-local, CGNAT, documentation, benchmarking and reserved
 * addresses mean nothing to a provider and must not leak an internal
 * addressing plan to one.
 */
import { parseCidr } from './cidr.ts';
import type { IpAddress } from './ip.ts';
import { PrefixSet } from './prefix-set.ts';

export interface SpecialRange {
  /** Short name, e.g. `private-use`, `documentation`. */
  name: string;
  /** IANA's "Globally Reachable" column: true for the few exceptions inside special blocks. */
  global: boolean;
}

const V4: readonly (readonly [string, string, boolean])[] = [
  ['0.0.0.0/8', 'this-network', false],
  ['10.0.0.0/8', 'private-use', false],
  ['100.64.0.0/10', 'shared-address-space', false],
  ['127.0.0.0/8', 'loopback', false],
  ['169.254.0.0/16', 'link-local', false],
  ['172.16.0.0/12', 'private-use', false],
  ['192.0.0.0/24', 'ietf-protocol-assignments', false],
  ['192.0.0.9/32', 'pcp-anycast', true],
  ['192.0.0.10/32', 'turn-anycast', true],
  ['192.0.2.0/24', 'documentation', false],
  // Deprecated 6to4 relay anycast (RFC 7526): no longer a destination anyone should reach.
  ['192.88.99.0/24', '6to4-relay-anycast', false],
  ['192.168.0.0/16', 'private-use', false],
  ['198.18.0.0/15', 'benchmarking', false],
  ['198.51.100.0/24', 'documentation', false],
  ['203.0.113.0/24', 'documentation', false],
  ['224.0.0.0/4', 'multicast', false],
  ['240.0.0.0/4', 'reserved', false],
  ['255.255.255.255/32', 'limited-broadcast', false],
];

const V6: readonly (readonly [string, string, boolean])[] = [
  ['::/0', 'ietf-reserved', false],
  ['2000::/3', 'global-unicast', true],
  ['::/128', 'unspecified', false],
  ['::1/128', 'loopback', false],
  // NAT64 (RFC 6052): a provider knows the IPv4 address inside, not this wrapper.
  ['64:ff9b::/96', 'nat64', false],
  ['64:ff9b:1::/48', 'local-use-translation', false],
  ['100::/64', 'discard-only', false],
  ['2001::/23', 'ietf-protocol-assignments', false],
  ['2001::/32', 'teredo', false],
  ['2001:1::1/128', 'pcp-anycast', true],
  ['2001:1::2/128', 'turn-anycast', true],
  ['2001:1::3/128', 'dns-sd-srp-anycast', true],
  ['2001:2::/48', 'benchmarking', false],
  ['2001:3::/32', 'amt', true],
  ['2001:4:112::/48', 'as112', true],
  ['2001:10::/28', 'orchid', false],
  ['2001:20::/28', 'orchid-v2', true],
  ['2001:30::/28', 'drone-remote-id', true],
  ['2001:db8::/32', 'documentation', false],
  // 6to4 (RFC 3056, deprecated for relays by RFC 7526): IANA marks it N/A, never a plain destination.
  ['2002::/16', '6to4', false],
  ['3fff::/20', 'documentation', false],
  ['5f00::/16', 'srv6-sids', false],
  ['fc00::/7', 'unique-local', false],
  ['fe80::/10', 'link-local', false],
  ['fec0::/10', 'site-local', false],
  ['ff00::/8', 'multicast', false],
];

const SPECIAL = new PrefixSet<SpecialRange>();
for (const [cidr, name, global] of [...V4, ...V6]) {
  const parsed = parseCidr(cidr, { strict: true });
  if (parsed === null) throw new Error(`bad special-purpose range ${cidr}`);
  SPECIAL.add(parsed, { name, global });
}

/** The most specific special-purpose range holding `ip`, or null (an ordinary public IPv4 address). */
export const specialRange = (ip: IpAddress): SpecialRange | null => SPECIAL.match(ip);

/**
 * True when `ip` is globally routable unicast: the only kind of address an
 * outside provider is ever asked about.
 */
export function isPublicRoutable(ip: IpAddress): boolean {
  const range = SPECIAL.match(ip);
  return range === null || range.global;
}

/**
 * Which tenant a sender's messages belong to: the first `senders` entry
 * (address or CIDR, IPv4 or IPv6) that holds the sender's address. A sender
 * that matches none is not ours to read. Answers are cached per address,
 * because a switch sends many messages and UDP asks once per datagram.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { SyslogError, SyslogErrorCode } from './errors.ts';

export interface SenderRule {
  /** `10.1.2.3`, `10.1.0.0/16`, `2001:db8::/32`. */
  from: string;
  tenant: string;
}

/** Beyond this many distinct addresses the cache starts over (spoofed UDP sources must not grow it). */
const CACHE_LIMIT = 10_000;
const MAPPED = '::ffff:';

/** `::ffff:10.1.2.3` (an IPv4 sender on a dual-stack socket) as `10.1.2.3`; other addresses as they are. */
export function unmapAddress(address: string): string {
  if (address.length > MAPPED.length && address.slice(0, MAPPED.length).toLowerCase() === MAPPED) {
    const v4 = address.slice(MAPPED.length);
    if (isIPv4(v4)) return v4;
  }
  return address;
}

function ruleList(rule: SenderRule): BlockList {
  const [address = '', prefixText, ...rest] = rule.from.trim().split('/');
  const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
  const prefix = prefixText === undefined ? null : Number(prefixText);
  const bits = type === 'ipv4' ? 32 : 128;
  if (
    type === null ||
    rest.length > 0 ||
    (prefix !== null && (!/^\d{1,3}$/.test(prefixText ?? '') || prefix > bits))
  ) {
    throw new SyslogError(
      SyslogErrorCode.BadSender,
      `syslog sender ${JSON.stringify(rule.from)} is no address or CIDR`,
    );
  }
  const list = new BlockList();
  if (prefix === null) list.addAddress(address, type);
  else list.addSubnet(address, prefix, type);
  return list;
}

/** A known sender: its tenant, and its address as shown in flows (IPv4-mapped IPv6 unwrapped). */
export interface Sender {
  tenant: string;
  address: string;
}

export class SenderMap {
  readonly #rules: { list: BlockList; tenant: string }[];
  readonly #cache = new Map<string, Sender | null>();

  constructor(rules: readonly SenderRule[]) {
    this.#rules = rules.map((rule) => ({ list: ruleList(rule), tenant: rule.tenant }));
  }

  /** The sender at a socket's remote address, or null when no entry holds it. */
  resolve(remoteAddress: string): Sender | null {
    const cached = this.#cache.get(remoteAddress);
    if (cached !== undefined) return cached;
    const address = unmapAddress(remoteAddress);
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
    const rule = type === null ? undefined : this.#rules.find((r) => r.list.check(address, type));
    const sender = rule === undefined ? null : { tenant: rule.tenant, address };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(remoteAddress, sender);
    return sender;
  }
}

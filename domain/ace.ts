/**
 * SGACL access control entries: the one-line rules of a TrustSec contract, as
 * ISE's `aclcontent` and IOS-XE's `ip access-list role-based` take them
 * (reference/ise-and-ios.md). An SGACL never names an address: the cell's
 * source and destination tags are the addresses, so an ACE is only protocol,
 * optional ports and optional `log`.
 */
import { ANY, type FlowKey, normalizeProtocol } from './flow.ts';

export const AceAction = { Permit: 'permit', Deny: 'deny' } as const;
export type AceAction = (typeof AceAction)[keyof typeof AceAction];

export const AceProtocol = { Ip: 'ip', Tcp: 'tcp', Udp: 'udp', Icmp: 'icmp', Icmpv6: 'icmpv6' } as const;
/** A named protocol, or an IP protocol number (`'47'`) for the rest. */
export type AceProtocol = (typeof AceProtocol)[keyof typeof AceProtocol] | `${number}`;

export interface Ace {
  action: AceAction;
  protocol: AceProtocol;
  /** `src eq <port>`; only for tcp/udp. */
  srcPort?: number;
  /** `dst eq <port>`; only for tcp/udp. */
  dstPort?: number;
  /** Matches produce SGACLHIT lines: the product's own evidence. */
  log?: boolean;
}

export const AceErrorCode = { InvalidProtocol: 'invalid_protocol', InvalidPort: 'invalid_port' } as const;
export type AceErrorCode = (typeof AceErrorCode)[keyof typeof AceErrorCode];

export class AceError extends Error {
  override readonly name = 'AceError';
  readonly code: AceErrorCode;
  constructor(code: AceErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const hasPorts = (protocol: string): boolean => protocol === AceProtocol.Tcp || protocol === AceProtocol.Udp;

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new AceError(AceErrorCode.InvalidPort, `port ${port} is not 1-65535`);
  }
  return port;
}

/**
 * The ACE a flow needs. Port buckets of `any` give no port clause; ports of a
 * protocol without ports (ICMP, GRE, ESP …) are dropped, because SGACL syntax
 * only takes `src`/`dst eq` after tcp and udp.
 */
export function aceForFlow(flow: FlowKey, action: AceAction): Ace {
  const protocol = normalizeProtocol(flow.protocol);
  if (protocol === null) {
    throw new AceError(
      AceErrorCode.InvalidProtocol,
      `protocol ${JSON.stringify(flow.protocol)} is not valid`,
    );
  }
  const ace: Ace = { action, protocol: protocol as AceProtocol };
  if (hasPorts(protocol)) {
    if (flow.srcPort !== ANY) ace.srcPort = checkPort(flow.srcPort);
    if (flow.dstPort !== ANY) ace.dstPort = checkPort(flow.dstPort);
  }
  return ace;
}

/** `permit udp src eq 123 dst eq 123 log`: the line ISE and IOS-XE both accept. */
export function aceText(ace: Ace): string {
  let text = `${ace.action} ${ace.protocol}`;
  if (ace.srcPort !== undefined) text += ` src eq ${ace.srcPort}`;
  if (ace.dstPort !== undefined) text += ` dst eq ${ace.dstPort}`;
  if (ace.log === true) text += ' log';
  return text;
}

/** What an ACE matches, without its action or logging: the unit that is merged and diffed. */
export function aceMatchKey(ace: Ace): string {
  return `${ace.protocol} ${ace.srcPort ?? ANY} ${ace.dstPort ?? ANY}`;
}

/** A plain ACE (drops evidence and any other fields a richer ACE carries). */
export function toAce(ace: Ace): Ace {
  const out: Ace = { action: ace.action, protocol: ace.protocol };
  if (ace.srcPort !== undefined) out.srcPort = ace.srcPort;
  if (ace.dstPort !== undefined) out.dstPort = ace.dstPort;
  if (ace.log === true) out.log = true;
  return out;
}

const PROTOCOL_RANK: Record<string, number> = { tcp: 0, udp: 1, icmp: 2, icmpv6: 3 };
// Numbered protocols after the named ones, by number; the `ip` catch-all last.
const protocolRank = (p: string): number =>
  PROTOCOL_RANK[p] ?? (p === AceProtocol.Ip ? 1000 : 10 + Number(p));
// An ACE without a port clause sorts before the specific ones of the same protocol.
const portRank = (port: number | undefined): number => port ?? 0;

/**
 * Denies first, then permits; within each, by protocol, destination port and
 * source port. Denies first is what makes "deny wins" hold on the switch,
 * which applies the first matching ACE; the rest only keeps output stable.
 */
export function compareAces(a: Ace, b: Ace): number {
  if (a.action !== b.action) return a.action === AceAction.Deny ? -1 : 1;
  return (
    protocolRank(a.protocol) - protocolRank(b.protocol) ||
    portRank(a.dstPort) - portRank(b.dstPort) ||
    portRank(a.srcPort) - portRank(b.srcPort)
  );
}

/**
 * Whether an ACE matches a flow's traffic: `ip` matches everything; otherwise
 * the protocol must be equal and every port the ACE names must be the flow's.
 * A flow whose port bucket is `any` (ephemeral, or none) cannot satisfy an
 * ACE that names a port.
 */
export function aceMatchesFlow(ace: Ace, flow: FlowKey): boolean {
  if (ace.protocol === AceProtocol.Ip) return true;
  if (normalizeProtocol(flow.protocol) !== ace.protocol) return false;
  if (ace.srcPort !== undefined && flow.srcPort !== ace.srcPort) return false;
  if (ace.dstPort !== undefined && flow.dstPort !== ace.dstPort) return false;
  return true;
}

/**
 * SGACL access control entries: the one-line rules of a TrustSec contract, as
 * ISE's `aclcontent` and IOS-XE's `ip access-list role-based` take them
 * (reference/ise-and-ios.md). An SGACL never names an address: the cell's
 * source and destination tags are the addresses, so an ACE is only protocol,
 * optional port clauses or ICMP message, and optional `log`.
 *
 * The single-port `eq` case lives in `srcPort`/`dstPort`, as ACEs were first
 * stored; richer clauses live in `src`/`dst`, and an ACE this model cannot
 * represent keeps its line in `raw` (sgacl-text.ts parses and renders lines).
 *
 * Matching asks two questions. `aceMatchesFlow`: does every packet of the flow
 * match (provably)? `aceMayMatchFlow`: could some packet? `decideFlow` reads a
 * cell with both, so an ACE the product cannot read never lets it claim more
 * than it can prove.
 */

import {
  AceProtocol,
  ANY_BUCKET,
  type IcmpMatch,
  icmpMatchText,
  type PortMatch,
  PortOp,
  portMatchKey,
  portMatchRank,
  portMatchText,
  portMayMatch,
  portSatisfies,
  protocolNumber,
} from './ace-parts.ts';
import { ANY, type FlowKey, normalizeProtocol, type PortBucket } from './flow.ts';

export {
  AceProtocol,
  type IcmpMatch,
  isAceProtocol,
  MAX_EQ_PORTS,
  type PortMatch,
  PortOp,
  PROTOCOL_NUMBERS,
} from './ace-parts.ts';

export const AceAction = { Permit: 'permit', Deny: 'deny' } as const;
export type AceAction = (typeof AceAction)[keyof typeof AceAction];

export interface Ace {
  action: AceAction;
  protocol: AceProtocol;
  /** `src eq <port>`; only for tcp/udp. Never set together with `src`. */
  srcPort?: number;
  /** `dst eq <port>`; only for tcp/udp. Never set together with `dst`. */
  dstPort?: number;
  /** Any other source clause: several `eq` ports, `lt`, `gt`, `neq`, `range`. */
  src?: PortMatch;
  /** Any other destination clause. */
  dst?: PortMatch;
  /** `icmp echo`, `icmp 3 4`; only for icmp/icmpv6. */
  icmp?: IcmpMatch;
  /** Matches produce SGACLHIT lines: the product's own evidence. */
  log?: boolean;
  /**
   * The line as written, for an ACE this model cannot represent (port names,
   * `established`, a sequence number …). It renders back byte for byte and
   * proves no match. `action` is its leading keyword (deny when it has none:
   * the cautious reading), `protocol` its protocol when readable, else `ip`.
   */
  raw?: string;
}

export const AceErrorCode = {
  InvalidProtocol: 'invalid_protocol',
  InvalidPort: 'invalid_port',
  InvalidAce: 'invalid_ace',
} as const;
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

/** The source clause, whichever field holds it. */
export const aceSrc = (ace: Ace): PortMatch | undefined =>
  ace.srcPort !== undefined ? { op: PortOp.Eq, ports: [ace.srcPort] } : ace.src;

/** The destination clause, whichever field holds it. */
export const aceDst = (ace: Ace): PortMatch | undefined =>
  ace.dstPort !== undefined ? { op: PortOp.Eq, ports: [ace.dstPort] } : ace.dst;

/** `permit udp src eq 123 dst range 1000 2000 log`: the line ISE and IOS-XE both accept. */
export function aceText(ace: Ace): string {
  if (ace.raw !== undefined) return ace.raw;
  let text = `${ace.action} ${ace.protocol}`;
  if (ace.icmp !== undefined) text += ` ${icmpMatchText(ace.icmp)}`;
  const src = aceSrc(ace);
  if (src !== undefined) text += ` src ${portMatchText(src)}`;
  const dst = aceDst(ace);
  if (dst !== undefined) text += ` dst ${portMatchText(dst)}`;
  if (ace.log === true) text += ' log';
  return text;
}

/**
 * What an ACE matches, without its action or logging: the unit that is merged
 * and diffed. Plain ACEs keep the key they always had (`tcp any 443`), which
 * stored fingerprints and idempotency keys depend on.
 */
export function aceMatchKey(ace: Ace): string {
  if (ace.raw !== undefined) return `raw ${ace.raw.replace(/^\s*(permit|deny)\s+/i, '')}`;
  const key = `${ace.protocol} ${portMatchKey(aceSrc(ace))} ${portMatchKey(aceDst(ace))}`;
  return ace.icmp === undefined ? key : `${key} icmp:${icmpMatchText(ace.icmp)}`;
}

function copyClause(out: Ace, side: 'src' | 'dst', m: PortMatch | undefined): void {
  if (m === undefined) return;
  if (m.op === PortOp.Eq && m.ports.length === 1) out[side === 'src' ? 'srcPort' : 'dstPort'] = m.ports[0];
  else out[side] = { op: m.op, ports: [...m.ports] };
}

/**
 * A plain ACE: drops evidence and any other field a contract ACE carries, and
 * holds a single `eq` port in `srcPort`/`dstPort` whichever field it came in.
 */
export function toAce(ace: Ace): Ace {
  const out: Ace = { action: ace.action, protocol: ace.protocol };
  if (ace.raw !== undefined) {
    out.raw = ace.raw;
    return out;
  }
  copyClause(out, 'src', aceSrc(ace));
  copyClause(out, 'dst', aceDst(ace));
  if (ace.icmp !== undefined) out.icmp = { ...ace.icmp };
  if (ace.log === true) out.log = true;
  return out;
}

const PROTOCOL_RANK: Record<string, number> = { tcp: 0, udp: 1, icmp: 2, icmpv6: 3 };
// Other protocols after tcp, udp and icmp, by number; the `ip` catch-all last.
const protocolRank = (p: string): number =>
  PROTOCOL_RANK[p] ?? (p === AceProtocol.Ip ? 1000 : 10 + (protocolNumber(p) ?? 990));
// Only richer ACEs need a tie-break; plain ones keep comparing equal as they always did.
const richKey = (a: Ace): string =>
  a.src !== undefined || a.dst !== undefined || a.icmp !== undefined ? aceMatchKey(a) : '';

/**
 * Denies first, then permits; within each, by protocol, destination port and
 * source port, verbatim ACEs last. Denies first is what makes "deny wins" hold
 * on the switch, which applies the first matching ACE; the order within one
 * action changes no packet's fate and only keeps output stable.
 */
export function compareAces(a: Ace, b: Ace): number {
  if (a.action !== b.action) return a.action === AceAction.Deny ? -1 : 1;
  if (a.raw !== undefined || b.raw !== undefined) {
    if (a.raw === undefined) return -1;
    if (b.raw === undefined) return 1;
    return a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0;
  }
  const ka = richKey(a);
  const kb = richKey(b);
  return (
    protocolRank(a.protocol) - protocolRank(b.protocol) ||
    portMatchRank(aceDst(a)) - portMatchRank(aceDst(b)) ||
    portMatchRank(aceSrc(a)) - portMatchRank(aceSrc(b)) ||
    (ka < kb ? -1 : ka > kb ? 1 : 0)
  );
}

/** Whether the ACE's protocol is the flow's: `ip` is every protocol; names and numbers compare as numbers. */
function sameProtocol(ace: Ace, flow: FlowKey): boolean | null {
  const a = protocolNumber(ace.protocol);
  if (a === -1) return true;
  const f = protocolNumber(normalizeProtocol(flow.protocol) ?? '');
  if (a === null || f === null) return null;
  return a === f;
}

/**
 * Whether an ACE matches every packet of a flow: `ip` matches everything;
 * otherwise the protocol must be the flow's and every clause the ACE has must
 * hold for the flow's ports. A flow whose port bucket is `any` (ephemeral, or
 * none) satisfies no port clause, and a flow, which knows no ICMP type,
 * satisfies no ICMP message. A verbatim ACE proves nothing, so it matches nothing.
 */
export function aceMatchesFlow(ace: Ace, flow: FlowKey): boolean {
  if (ace.raw !== undefined) return false;
  if (ace.protocol === AceProtocol.Ip) return true;
  if (sameProtocol(ace, flow) !== true) return false;
  if (ace.icmp !== undefined) return false;
  const holds = (m: PortMatch | undefined, port: PortBucket): boolean =>
    m === undefined || (port !== ANY && portSatisfies(m, port));
  return holds(aceSrc(ace), flow.srcPort) && holds(aceDst(ace), flow.dstPort);
}

/**
 * Whether an ACE could match some packet of a flow: the other side of
 * `aceMatchesFlow`. A verbatim ACE may match any flow of its protocol (of
 * every flow when its protocol is unreadable); a port clause may match an
 * `any` bucket when one of the ports the bucket stands for satisfies it.
 */
export function aceMayMatchFlow(ace: Ace, flow: FlowKey): boolean {
  if (sameProtocol(ace, flow) === false) return false;
  if (ace.raw !== undefined || ace.protocol === AceProtocol.Ip) return true;
  const may = (m: PortMatch | undefined, port: PortBucket, side: 'src' | 'dst'): boolean =>
    m === undefined || (port === ANY ? portMayMatch(m, ANY_BUCKET[side]) : portSatisfies(m, port));
  return may(aceSrc(ace), flow.srcPort, 'src') && may(aceDst(ace), flow.dstPort, 'dst');
}

export const FlowVerdict = {
  /** An ACE permits every packet of the flow, and no earlier ACE may deny any. */
  Permit: 'permit',
  /** An ACE denies every packet the earlier ACEs let reach it. */
  Deny: 'deny',
  /** An ACE that may deny it (verbatim, or a clause the flow's buckets cannot settle) comes before any proof. */
  Unproven: 'unproven',
  /** No ACE matches: the default decides. */
  None: 'none',
} as const;
export type FlowVerdict = (typeof FlowVerdict)[keyof typeof FlowVerdict];

export interface FlowDecision {
  verdict: FlowVerdict;
  /** The deciding ACE; for Unproven the first that may deny; -1 for None. */
  index: number;
}

/**
 * How a cell's ordered ACEs treat a flow, as the switch reads them (the first
 * match decides), claiming only what it can prove. An ACE that may match but
 * cannot be shown to: a permit is passed over (if it did match, the flow would
 * be let through, which only makes the answer cautious), a deny makes any
 * later permit unproven, because it may drop the flow first.
 */
export function decideFlow(aces: readonly Ace[], flow: FlowKey): FlowDecision {
  let doubt = -1;
  for (let i = 0; i < aces.length; i++) {
    const ace = aces[i] as Ace;
    if (aceMatchesFlow(ace, flow)) {
      if (ace.action === AceAction.Deny) return { verdict: FlowVerdict.Deny, index: i };
      return doubt < 0
        ? { verdict: FlowVerdict.Permit, index: i }
        : { verdict: FlowVerdict.Unproven, index: doubt };
    }
    if (doubt < 0 && ace.action === AceAction.Deny && aceMayMatchFlow(ace, flow)) doubt = i;
  }
  return doubt < 0
    ? { verdict: FlowVerdict.None, index: -1 }
    : { verdict: FlowVerdict.Unproven, index: doubt };
}

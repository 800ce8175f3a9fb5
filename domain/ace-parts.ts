/**
 * The parts of an SGACL ACE (reference/ise-and-ios.md): its protocol, its
 * port clauses (`src|dst {eq|lt|gt|neq|range} port…`) and ICMP messages, with
 * their text, key, sort rank and whether a port satisfies them. ace.ts
 * re-exports what callers need; only it and sgacl-text.ts import this module.
 */

export const AceProtocol = { Ip: 'ip', Tcp: 'tcp', Udp: 'udp', Icmp: 'icmp', Icmpv6: 'icmpv6' } as const;

/**
 * IP protocol numbers of the protocol keywords an ACE may use. The IOS names
 * beyond tcp/udp/icmp (gre, esp …) are kept by name, so a line read from ISE
 * renders as it was written; matching compares numbers.
 */
export const PROTOCOL_NUMBERS = {
  tcp: 6,
  udp: 17,
  icmp: 1,
  icmpv6: 58,
  ahp: 51,
  eigrp: 88,
  esp: 50,
  gre: 47,
  igmp: 2,
  ipinip: 4,
  nos: 94,
  ospf: 89,
  pcp: 108,
  pim: 103,
} as const;

/** `ip` (every protocol), a protocol keyword, or an IP protocol number (`'47'`). */
export type AceProtocol = typeof AceProtocol.Ip | keyof typeof PROTOCOL_NUMBERS | `${number}`;

/** `ip`, a protocol keyword, or a number 0-255 written without leading zeros. */
export function isAceProtocol(token: string): token is AceProtocol {
  if (token === AceProtocol.Ip || Object.hasOwn(PROTOCOL_NUMBERS, token)) return true;
  return /^(0|[1-9]\d{0,2})$/.test(token) && Number(token) <= 255;
}

/** The IP protocol number; -1 for `ip` (every protocol), null for anything unknown. */
export function protocolNumber(p: string): number | null {
  if (p === AceProtocol.Ip) return -1;
  const named = (PROTOCOL_NUMBERS as Record<string, number>)[p];
  if (named !== undefined) return named;
  return /^\d{1,3}$/.test(p) && Number(p) <= 255 ? Number(p) : null;
}

export const PortOp = { Eq: 'eq', Lt: 'lt', Gt: 'gt', Neq: 'neq', Range: 'range' } as const;
export type PortOp = (typeof PortOp)[keyof typeof PortOp];

/**
 * One port clause. `eq` takes one to MAX_EQ_PORTS ports (any of them matches),
 * `lt`, `gt` and `neq` exactly one, `range` two (inclusive, low first).
 */
export interface PortMatch {
  op: PortOp;
  ports: number[];
}

/**
 * The most ports one `eq` holds here: enough for any list seen in practice
 * and small enough that a stored ACE stays small. A longer list is kept verbatim.
 */
export const MAX_EQ_PORTS = 10;

/** `icmp echo` (a message name) or `icmp 3 4` (a type and optional code). */
export type IcmpMatch = { message: string } | { type: number; code?: number };

const isPort = (p: unknown): p is number =>
  Number.isInteger(p) && (p as number) >= 0 && (p as number) <= 65535;
const isIcmpNumber = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 255;
/** A message name as IOS spells them: `echo`, `echo-reply`, `port-unreachable`. */
export const ICMP_MESSAGE = /^[a-z][a-z0-9-]{0,31}$/;

export function portMatchValid(m: PortMatch): boolean {
  const { op, ports } = m;
  if (!Array.isArray(ports) || !ports.every(isPort)) return false;
  if (op === PortOp.Eq) return ports.length >= 1 && ports.length <= MAX_EQ_PORTS;
  if (op === PortOp.Range) return ports.length === 2 && (ports[0] as number) <= (ports[1] as number);
  return (op === PortOp.Lt || op === PortOp.Gt || op === PortOp.Neq) && ports.length === 1;
}

export function icmpMatchValid(m: IcmpMatch): boolean {
  if ('message' in m) return typeof m.message === 'string' && ICMP_MESSAGE.test(m.message);
  return isIcmpNumber(m.type) && (m.code === undefined || isIcmpNumber(m.code));
}

/** `eq 80 443`, `range 8000 8080`. */
export const portMatchText = (m: PortMatch): string => `${m.op} ${m.ports.join(' ')}`;

export const icmpMatchText = (m: IcmpMatch): string =>
  'message' in m ? m.message : m.code === undefined ? String(m.type) : `${m.type} ${m.code}`;

/**
 * The clause in an ACE's match key. A single `eq` is the bare port, as keys
 * were before richer clauses existed (stored fingerprints depend on it);
 * several `eq` ports are sorted, since their order does not change the match.
 */
export function portMatchKey(m: PortMatch | undefined): string {
  if (m === undefined) return 'any';
  if (m.op === PortOp.Eq && m.ports.length === 1) return String(m.ports[0]);
  const ports = m.op === PortOp.Eq ? [...m.ports].sort((a, b) => a - b) : m.ports;
  return `${m.op}:${ports.join(',')}`;
}

/** The lowest port a clause can match (0 for none): the sort position of its ACE. */
export function portMatchRank(m: PortMatch | undefined): number {
  if (m === undefined) return 0;
  const first = m.ports[0] ?? 0;
  if (m.op === PortOp.Eq) return Math.min(...m.ports);
  if (m.op === PortOp.Gt) return first + 1;
  if (m.op === PortOp.Range) return first;
  return 0;
}

/** Whether `port` satisfies the clause. */
export function portSatisfies(m: PortMatch, port: number): boolean {
  const first = m.ports[0] as number;
  switch (m.op) {
    case PortOp.Eq:
      return m.ports.includes(port);
    case PortOp.Neq:
      return port !== first;
    case PortOp.Lt:
      return port < first;
    case PortOp.Gt:
      return port > first;
    case PortOp.Range:
      return port >= first && port <= (m.ports[1] as number);
  }
  return false;
}

/**
 * The ports a flow's `any` bucket stands for (DESIGN §6): a source port of
 * 0 or ≥ 1024, a destination port of 0. Inclusive intervals.
 */
export const ANY_BUCKET = {
  src: [
    [0, 0],
    [1024, 65535],
  ],
  dst: [[0, 0]],
} as const satisfies Record<'src' | 'dst', readonly (readonly [number, number])[]>;

/** Whether some port in the inclusive intervals satisfies the clause. */
export function portMayMatch(m: PortMatch, intervals: readonly (readonly [number, number])[]): boolean {
  const first = m.ports[0] as number;
  return intervals.some(([lo, hi]) => {
    switch (m.op) {
      case PortOp.Eq:
        return m.ports.some((p) => p >= lo && p <= hi);
      case PortOp.Neq:
        return hi > lo || lo !== first;
      case PortOp.Lt:
        return lo < first;
      case PortOp.Gt:
        return hi > first;
      case PortOp.Range:
        return lo <= (m.ports[1] as number) && first <= hi;
    }
    return true;
  });
}

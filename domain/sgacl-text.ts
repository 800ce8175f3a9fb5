/**
 * SGACL content as text: ISE's `aclcontent` (one ACE per line) and the body
 * of an IOS-XE `ip access-list role-based`, read into ACEs and written back,
 * and the ACEs of ISE's built-in SGACLs (reference/ise-and-ios.md).
 *
 * Grammar of a line the model holds:
 *   ace      = action " " protocol [" " icmp] [" src " clause] [" dst " clause] [" log"]
 *   action   = "permit" | "deny"
 *   protocol = "ip" | "tcp" | "udp" | "icmp" | "icmpv6" | gre, esp … | 0-255
 *   icmp     = message | type [" " code]          (icmp and icmpv6 only)
 *   clause   = "eq" 1*10(" " port) | ("lt" | "gt" | "neq") " " port | "range " port " " port
 * Port clauses come only after tcp and udp; numbers are decimal without
 * leading zeros; `range` goes low to high.
 *
 * A line is read into the model only when writing the ACE back gives the same
 * line; any other (port names, `established`, a sequence number, other case
 * or spacing) is kept verbatim in `raw`, never dropped. Whitespace around a
 * line is not kept. Comment lines (`remark …`, `!…`, `#…`) and blank lines
 * are not ACEs: they come back apart with their line numbers, so a caller can
 * tell that writing the content back leaves them out.
 */
import { type Ace, AceAction, AceError, AceErrorCode, aceText } from './ace.ts';
import {
  AceProtocol,
  icmpMatchValid,
  isAceProtocol,
  type PortMatch,
  PortOp,
  portMatchValid,
} from './ace-parts.ts';

export interface SgaclComment {
  /** 1-based line number in the content. */
  line: number;
  text: string;
}

export interface SgaclContent {
  aces: Ace[];
  comments: SgaclComment[];
}

const NUMBER = /^\d+$/;
const PORT_OPS: ReadonlySet<string> = new Set(Object.values(PortOp));
/** Keywords that are never an ICMP message name. */
const CLAUSE_WORDS: ReadonlySet<string> = new Set(['src', 'dst', 'log']);
const isComment = (line: string): boolean =>
  line.startsWith('!') || line.startsWith('#') || /^remark(\s|$)/i.test(line);

/** Reads tokens that follow the grammar above; null for anything else. */
function readAce(tokens: readonly string[]): Ace | null {
  let i = 0;
  const action = tokens[i++];
  const protocol = tokens[i++];
  if (action !== AceAction.Permit && action !== AceAction.Deny) return null;
  if (protocol === undefined || !isAceProtocol(protocol)) return null;
  const ace: Ace = { action, protocol };
  if (protocol === AceProtocol.Icmp || protocol === AceProtocol.Icmpv6) {
    const first = tokens[i];
    if (first !== undefined && !CLAUSE_WORDS.has(first)) {
      i++;
      if (NUMBER.test(first)) {
        const code = tokens[i];
        const hasCode = code !== undefined && NUMBER.test(code);
        if (hasCode) i++;
        ace.icmp = hasCode ? { type: Number(first), code: Number(code) } : { type: Number(first) };
      } else {
        ace.icmp = { message: first };
      }
      if (!icmpMatchValid(ace.icmp)) return null;
    }
  }
  if (protocol === AceProtocol.Tcp || protocol === AceProtocol.Udp) {
    for (const side of ['src', 'dst'] as const) {
      if (tokens[i] !== side) continue;
      const op = tokens[i + 1] ?? '';
      i += 2;
      const ports: number[] = [];
      while (NUMBER.test(tokens[i] ?? '')) ports.push(Number(tokens[i++]));
      if (!PORT_OPS.has(op)) return null;
      const m: PortMatch = { op: op as PortOp, ports };
      if (!portMatchValid(m)) return null;
      if (m.op === PortOp.Eq && ports.length === 1) ace[side === 'src' ? 'srcPort' : 'dstPort'] = ports[0];
      else ace[side] = m;
    }
  }
  if (tokens[i] === 'log') {
    ace.log = true;
    i++;
  }
  return i === tokens.length ? ace : null;
}

/**
 * A line the model cannot hold. Its action is its `permit` or `deny` (after a
 * sequence number, if any), else deny: a line nobody can read may drop
 * traffic, and must never be taken to let it through.
 */
function verbatim(line: string): Ace {
  const words = line.toLowerCase().split(/\s+/);
  const at = words.slice(0, 2).findIndex((w) => w === AceAction.Permit || w === AceAction.Deny);
  const action = at < 0 ? AceAction.Deny : (words[at] as AceAction);
  const protocol = at < 0 ? undefined : words[at + 1];
  return {
    action,
    protocol: protocol !== undefined && isAceProtocol(protocol) ? protocol : AceProtocol.Ip,
    raw: line,
  };
}

/** One ACE line (without its line break): the model's ACE, or the line verbatim. */
export function parseAceLine(line: string): Ace {
  const text = line.trim();
  const ace = readAce(text.split(' '));
  return ace !== null && aceText(ace) === text ? ace : verbatim(text);
}

/** ISE `aclcontent` or an IOS-XE role-based ACL body, `\n`, `\r\n` or `\r` separated. */
export function parseSgaclContent(text: string): SgaclContent {
  const out: SgaclContent = { aces: [], comments: [] };
  text.split(/\r\n|\r|\n/).forEach((raw, n) => {
    const line = raw.trim();
    if (line === '') return;
    if (isComment(line)) out.comments.push({ line: n + 1, text: line });
    else out.aces.push(parseAceLine(line));
  });
  return out;
}

/**
 * ISE `aclcontent`: one ACE per line, `\n` separated, no trailing break. An
 * ACE whose text would not stay one line (a verbatim line holding a line
 * break, or empty) is refused rather than written as something else.
 */
export function sgaclContent(aces: readonly Ace[]): string {
  return aces
    .map((ace) => {
      const text = aceText(ace);
      if (text.trim() === '' || /[\r\n]/.test(text)) {
        throw new AceError(AceErrorCode.InvalidAce, `ACE ${JSON.stringify(text)} is not one SGACL line`);
      }
      return text;
    })
    .join('\n');
}

/** ISE's read-only SGACLs, named as ISE spells them. */
export const BuiltinSgacl = {
  PermitIp: 'Permit IP',
  DenyIp: 'Deny IP',
  PermitIpLog: 'Permit_IP_Log',
  DenyIpLog: 'Deny_IP_Log',
} as const;
export type BuiltinSgacl = (typeof BuiltinSgacl)[keyof typeof BuiltinSgacl];

/** The ACEs of a built-in SGACL; null for any other name (those have their own aclcontent). */
export function builtinSgaclAces(name: string): Ace[] | null {
  const ip = (action: AceAction, log: boolean): Ace[] => [
    log ? { action, protocol: AceProtocol.Ip, log: true } : { action, protocol: AceProtocol.Ip },
  ];
  switch (name) {
    case BuiltinSgacl.PermitIp:
      return ip(AceAction.Permit, false);
    case BuiltinSgacl.DenyIp:
      return ip(AceAction.Deny, false);
    case BuiltinSgacl.PermitIpLog:
      return ip(AceAction.Permit, true);
    case BuiltinSgacl.DenyIpLog:
      return ip(AceAction.Deny, true);
    default:
      return null;
  }
}

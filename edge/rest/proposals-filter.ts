/**
 * Selecting proposals by a filter, for review in bulk: the same words on the
 * dashboard, REST (`GET /proposals?filter=`), the CLI and MCP. A filter is
 * terms separated by spaces, every one must hold:
 *
 *   service:infrastructure   every ACE is DNS, NTP, RADIUS, DHCP, TACACS+, syslog or SNMP
 *   service:dns              every ACE is that service (dns, ntp, radius, dhcp, tacacs, syslog, snmp)
 *   port:53                  every ACE's destination port is 53
 *   category:default         every ACE was classified so (business_relevant, default, …)
 *   risk:low                 no ACE is riskier
 *   sgt:10  dgt:20           the cell's source or destination tag
 *   action:permit            every ACE permits (or denies)
 *   rare:no  urgent:no       the flags
 *   anything else            a word in the id, the tag names or a rationale
 *
 * Conditions on ACEs hold for EVERY ACE: a proposal with DNS and SSH is not
 * infrastructure. Pure: no I/O.
 */
import type { ProposalRecord } from '../../kv-schema/mod.ts';

interface Port {
  protocol: 'tcp' | 'udp';
  port: number;
}

const udp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: 'udp', port }));
const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: 'tcp', port }));

/** Well-known infrastructure services by their ports. */
export const SERVICES: Readonly<Record<string, readonly Port[]>> = {
  dns: [...udp(53), ...tcp(53)],
  ntp: udp(123),
  radius: udp(1812, 1813, 1645, 1646),
  dhcp: udp(67, 68),
  tacacs: tcp(49),
  syslog: [...udp(514), ...tcp(6514)],
  snmp: udp(161, 162),
};
export const INFRASTRUCTURE = Object.keys(SERVICES);

const RISK = ['low', 'medium', 'high', 'critical'];
const KEYS = ['service', 'port', 'category', 'risk', 'sgt', 'dgt', 'action', 'rare', 'urgent'] as const;
type Key = (typeof KEYS)[number];

export interface ProposalFilter {
  terms: { key: Key; value: string }[];
  words: string[];
}

export class FilterError extends Error {
  readonly code = 'BAD_FILTER';
}

/** Parse a filter; an unknown key or value is a FilterError naming what is allowed. */
export function parseFilter(text: string): ProposalFilter {
  const filter: ProposalFilter = { terms: [], words: [] };
  for (const raw of text.trim().split(/\s+/).filter(Boolean)) {
    const at = raw.indexOf(':');
    if (at <= 0) {
      filter.words.push(raw.toLowerCase());
      continue;
    }
    const key = raw.slice(0, at).toLowerCase();
    const value = raw.slice(at + 1).toLowerCase();
    if (!(KEYS as readonly string[]).includes(key))
      throw new FilterError(`unknown filter key ${JSON.stringify(key)}: use ${KEYS.join(', ')}`);
    if (key === 'service' && value !== 'infrastructure' && !(value in SERVICES))
      throw new FilterError(
        `unknown service ${JSON.stringify(value)}: use infrastructure, ${INFRASTRUCTURE.join(', ')}`,
      );
    if ((key === 'port' || key === 'sgt' || key === 'dgt') && !/^\d{1,5}$/.test(value))
      throw new FilterError(`${key} must be a number`);
    if (key === 'risk' && !RISK.includes(value))
      throw new FilterError(`risk must be one of ${RISK.join(', ')}`);
    if ((key === 'rare' || key === 'urgent') && value !== 'yes' && value !== 'no')
      throw new FilterError(`${key} must be yes or no`);
    filter.terms.push({ key: key as Key, value });
  }
  return filter;
}

type AceLike = ProposalRecord['aces'][number];

function isService(a: AceLike, service: string): boolean {
  const names = service === 'infrastructure' ? INFRASTRUCTURE : [service];
  return names.some((n) =>
    (SERVICES[n] ?? []).some((s) => s.protocol === a.protocol && s.port === a.dstPort),
  );
}

function holds(p: ProposalRecord, key: Key, value: string): boolean {
  const every = (f: (a: AceLike) => boolean) => p.aces.length > 0 && p.aces.every(f);
  switch (key) {
    case 'service':
      return every((a) => isService(a, value));
    case 'port':
      return every((a) => a.dstPort === Number(value));
    case 'category':
      return every((a) => a.decision.category === value);
    case 'risk':
      return every((a) => RISK.indexOf(a.decision.risk) <= RISK.indexOf(value));
    case 'action':
      return every((a) => a.action === value);
    case 'sgt':
      return p.sgt === Number(value);
    case 'dgt':
      return p.dgt === Number(value);
    case 'rare':
      return p.rare === (value === 'yes');
    case 'urgent':
      return (p.urgent === true) === (value === 'yes');
  }
}

/** Whether a proposal is selected; `names` are the tag names a word may match. */
export function matchesFilter(
  p: ProposalRecord,
  filter: ProposalFilter,
  names: ReadonlyMap<number, string> = new Map(),
): boolean {
  if (!filter.terms.every((t) => holds(p, t.key, t.value))) return false;
  if (filter.words.length === 0) return true;
  const haystack = [
    p.id,
    names.get(p.sgt) ?? '',
    names.get(p.dgt) ?? '',
    ...p.aces.map((a) => a.decision.rationale),
  ]
    .join(' ')
    .toLowerCase();
  return filter.words.every((w) => haystack.includes(w));
}

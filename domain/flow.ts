/**
 * Flow keys (DESIGN §6): the (sgt, dgt, protocol, source-port bucket,
 * destination-port bucket) tuple that hits are aggregated by, and its id
 * `<sgt>-<dgt>-<proto>-<srcPort>-<dstPort>`.
 */

export const ANY = 'any' as const;
export type PortBucket = number | typeof ANY;

export interface FlowKey {
  sgt: number;
  dgt: number;
  /** `tcp`, `udp`, `icmp`, `icmpv6`, or an IP protocol number as a string. */
  protocol: string;
  srcPort: PortBucket;
  dstPort: PortBucket;
}

const PROTOCOL_NAMES: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6' };

/** `6` → `tcp`, `TCP` → `tcp`, `47` stays `47`. Returns null for anything else. */
export function normalizeProtocol(raw: string): string | null {
  const lower = raw.toLowerCase();
  if (lower === 'tcp' || lower === 'udp' || lower === 'icmp' || lower === 'icmpv6') return lower;
  if (/^\d{1,3}$/.test(raw)) {
    const n = Number(raw);
    if (n > 255) return null;
    return PROTOCOL_NAMES[String(n)] ?? String(n);
  }
  return null;
}

export function flowId(key: FlowKey): string {
  return `${key.sgt}-${key.dgt}-${key.protocol}-${key.srcPort}-${key.dstPort}`;
}

const FLOW_ID = /^(\d{1,5})-(\d{1,5})-([a-z0-9]{1,8})-(\d{1,5}|any)-(\d{1,5}|any)$/;

export function parseFlowId(id: string): FlowKey | null {
  const m = FLOW_ID.exec(id);
  if (m === null) return null;
  const port = (s: string): PortBucket => (s === ANY ? ANY : Number(s));
  return {
    sgt: Number(m[1]),
    dgt: Number(m[2]),
    protocol: m[3] as string,
    srcPort: port(m[4] as string),
    dstPort: port(m[5] as string),
  };
}

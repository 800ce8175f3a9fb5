/**
 * What the parser produces: a reusable record of one hit whose text fields are
 * byte spans into the input, and the reasons a line can be refused. Kept apart
 * from the parser so the field reader can use it without an import cycle.
 */
import { decodeText, textEquals } from './text.ts';

export const RejectReason = {
  /** Not an SGACLHIT line at all (other syslog traffic): counted, not an error. */
  NotSgaclHit: 'not_sgaclhit',
  TooLong: 'too_long',
  NulByte: 'nul_byte',
  InvalidUtf8: 'invalid_utf8',
  /** The line ends inside a value, or before its last fields: cut off in transit. */
  Truncated: 'truncated',
  /** Not `key='value'` pairs. */
  Malformed: 'malformed',
  DuplicateField: 'duplicate_field',
  MissingField: 'missing_field',
  BadNumber: 'bad_number',
  TagOutOfRange: 'tag_out_of_range',
  PortOutOfRange: 'port_out_of_range',
  BadProtocol: 'bad_protocol',
  BadAction: 'bad_action',
  BadTimestamp: 'bad_timestamp',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** IP protocol numbers of the names the switch prints. */
export const Proto = { Icmp: 1, Tcp: 6, Udp: 17, Icmpv6: 58 } as const;

export const protocolName = (n: number): string =>
  n === Proto.Tcp
    ? 'tcp'
    : n === Proto.Udp
      ? 'udp'
      : n === Proto.Icmp
        ? 'icmp'
        : n === Proto.Icmpv6
          ? 'icmpv6'
          : String(n);

/** Text fields of a hit, kept as [start, end) offsets into `bytes`. */
export const HitText = {
  Host: 0,
  Interface: 1,
  SgaclName: 2,
  SrcIp: 3,
  DstIp: 4,
  SrcVrf: 5,
  DstVrf: 6,
} as const;
export type HitText = (typeof HitText)[keyof typeof HitText];

/** One parsed hit. The parser overwrites the same record for every line. */
export interface SgaclHit {
  /** The buffer the spans point into: valid only until the next line is parsed. */
  bytes: Uint8Array;
  timestampMs: number;
  action: 'permit' | 'deny';
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, …). */
  protocol: number;
  srcPort: number;
  dstPort: number;
  sgt: number;
  dgt: number;
  hits: number;
  /** Pairs of [start, end) per HitText field; start === end when absent. */
  spans: Int32Array;
}

export const emptyHit = (): SgaclHit => ({
  bytes: new Uint8Array(0),
  timestampMs: 0,
  action: 'permit',
  protocol: 0,
  srcPort: 0,
  dstPort: 0,
  sgt: 0,
  dgt: 0,
  hits: 0,
  spans: new Int32Array(14),
});

/** The field as a string of its own (it does not keep the input chunk alive). */
export const hitText = (hit: SgaclHit, field: HitText): string =>
  decodeText(hit.bytes, hit.spans[field * 2]!, hit.spans[field * 2 + 1]!);

/** True when the field's text equals `value`, without decoding it. */
export const hitTextEquals = (hit: SgaclHit, field: HitText, value: string): boolean =>
  textEquals(hit.bytes, hit.spans[field * 2]!, hit.spans[field * 2 + 1]!, value);

/** Longest line the parser reads, in bytes. */
export const MAX_LINE_LENGTH = 4096;
/** Cap on any one value (interface, SGACL name, address) kept from a line, in bytes. */
export const MAX_VALUE_LENGTH = 256;

/** A hit with its text fields cut out: for code off the hot path (tests, the tail). */
export function hitRecord(hit: SgaclHit) {
  return {
    timestampMs: hit.timestampMs,
    host: hitText(hit, HitText.Host),
    ingressInterface: hitText(hit, HitText.Interface),
    sgaclName: hitText(hit, HitText.SgaclName),
    action: hit.action,
    protocol: protocolName(hit.protocol),
    srcIp: hitText(hit, HitText.SrcIp),
    srcPort: hit.srcPort,
    dstIp: hitText(hit, HitText.DstIp),
    dstPort: hit.dstPort,
    srcVrf: hitText(hit, HitText.SrcVrf),
    dstVrf: hitText(hit, HitText.DstVrf),
    sgt: hit.sgt,
    dgt: hit.dgt,
    hits: hit.hits,
  };
}

/**
 * The general reader of the `key='value'` pairs after the SGACLHIT tag: any
 * order, unknown keys skipped, every rule and reject reason. It defines what
 * a valid line is; canonical.ts only takes the usual layout faster, and any
 * line it does not take comes here.
 *
 * Still built for speed (a vendor variation could send every line here): a
 * known key is told from its first word and confirmed whole with its `='` by
 * comparing DataView words; a value's closing quote is found a word at a time
 * (SWAR); numbers are read as they are scanned. Only unknown keys are scanned
 * byte by byte for their `=`.
 */
import { HitText, MAX_VALUE_LENGTH, Proto, RejectReason, type SgaclHit } from './hit.ts';

const QUOTE = 39; // '
const SPACE = 32;
const EQUALS = 61;

/** The keys, in the order of their bits in `seen`. */
const KEYS = [
  'ingress_interface',
  'sgacl_name',
  'action',
  'protocol',
  'src-ip',
  'src-port',
  'dest-ip',
  'dest-port',
  'sgt',
  'dgt',
  'logging_interval_hits',
  'src-vrf',
  'dest-vrf',
] as const;
const K = {
  iface: 0,
  name: 1,
  action: 2,
  proto: 3,
  srcIp: 4,
  srcPort: 5,
  dstIp: 6,
  dstPort: 7,
  sgt: 8,
  dgt: 9,
  hits: 10,
  srcVrf: 11,
  dstVrf: 12,
} as const;
const REQUIRED = (1 << K.action) | (1 << K.proto) | (1 << K.sgt) | (1 << K.dgt) | (1 << K.hits);
const HITS = 1 << K.hits;
const DST_PORT = 1 << K.dstPort;
/** Keys whose values are numbers, read while their closing quote is looked for. */
const NUMERIC = (1 << K.srcPort) | (1 << K.dstPort) | (1 << K.sgt) | (1 << K.dgt) | (1 << K.hits);
/** Where each text key's span goes in `spans` (-1: not a text field). */
const TEXT = Int8Array.from([
  HitText.Interface,
  HitText.SgaclName,
  -1,
  -1,
  HitText.SrcIp,
  -1,
  HitText.DstIp,
  -1,
  -1,
  -1,
  -1,
  HitText.SrcVrf,
  HitText.DstVrf,
]);

/** Four bytes as the little-endian int32 DataView reads them. */
const word = (s: string, at = 0): number =>
  s.charCodeAt(at) |
  (s.charCodeAt(at + 1) << 8) |
  (s.charCodeAt(at + 2) << 16) |
  (s.charCodeAt(at + 3) << 24);

/**
 * Each key with its `='`, as words at offsets 0, 4, 8, … and a last one
 * ending flush with the template (overlapping): every byte is compared.
 */
const TEMPLATE_LENGTH = Int8Array.from(KEYS, (k) => k.length + 2);
const WORD_FROM = new Int8Array(KEYS.length + 1);
const offsets: number[] = [];
const words: number[] = [];
KEYS.forEach((key, k) => {
  const t = `${key}='`;
  WORD_FROM[k] = offsets.length;
  for (let at = 0; at < t.length; at += 4) {
    const o = Math.min(at, t.length - 4);
    offsets.push(o);
    words.push(word(t, o));
  }
});
WORD_FROM[KEYS.length] = offsets.length;
const WORD_OFFSET = Int8Array.from(offsets);
const WORDS = Int32Array.from(words);

const W_INGR = word('ingr');
const W_SGAC = word('sgac');
const W_ACTI = word('acti');
const W_PROT = word('prot');
const W_SRC = word('src-');
const W_DEST = word('dest');
const W_SGT = word('sgt=');
const W_DGT = word('dgt=');
const W_LOGG = word('logg');

/** The known key whose `key='` starts at `i` (at least 5 bytes before `end`), or -1. */
function knownKey(v: DataView, b: Uint8Array, i: number, end: number): number {
  const w0 = v.getInt32(i, true);
  let k: number;
  if (w0 === W_SRC) k = b[i + 4] === 105 ? K.srcIp : b[i + 4] === 112 ? K.srcPort : K.srcVrf;
  else if (w0 === W_DEST) k = b[i + 5] === 105 ? K.dstIp : b[i + 5] === 112 ? K.dstPort : K.dstVrf;
  else if (w0 === W_SGT) k = K.sgt;
  else if (w0 === W_DGT) k = K.dgt;
  else if (w0 === W_INGR) k = K.iface;
  else if (w0 === W_SGAC) k = K.name;
  else if (w0 === W_ACTI) k = K.action;
  else if (w0 === W_PROT) k = K.proto;
  else if (w0 === W_LOGG) k = K.hits;
  else return -1;
  if (i + TEMPLATE_LENGTH[k]! > end) return -1;
  for (let w = WORD_FROM[k]!, stop = WORD_FROM[k + 1]!; w < stop; w++) {
    if (v.getInt32(i + WORD_OFFSET[w]!, true) !== WORDS[w]) return -1;
  }
  return k;
}

/** The first `'` in [j, end), or `end`: a word at a time, then byte by byte. */
export function quoteFrom(v: DataView, b: Uint8Array, j: number, end: number): number {
  for (; j + 4 <= end; j += 4) {
    const x = v.getInt32(j, true) ^ 0x27272727;
    // A zero byte in x is a quote in the word; the lowest flagged byte is exact.
    const m = (x - 0x01010101) & ~x & 0x80808080;
    if (m !== 0) return j + ((31 - Math.clz32(m & -m)) >> 3);
  }
  while (j < end && b[j] !== QUOTE) j++;
  return j;
}

/** `tcp`, `UDP`, `icmp`, `icmpv6` or a number 0–255, as a protocol number; -1 otherwise. */
export function protocol(b: Uint8Array, from: number, to: number): number {
  const len = to - from;
  const c = b[from]! | 32;
  if (len === 3) {
    const rest = ((b[from + 1]! | 32) << 8) | (b[from + 2]! | 32);
    if (c === 116 && rest === 0x6370) return Proto.Tcp; // t cp
    if (c === 117 && rest === 0x6470) return Proto.Udp; // u dp
  }
  if (c === 105 && (len === 4 || len === 6)) {
    // Letters compare case-blind with | 32; the `6` must be exact.
    const cmp = ((b[from + 1]! | 32) << 16) | ((b[from + 2]! | 32) << 8) | (b[from + 3]! | 32);
    if (cmp === 0x636d70 /* cmp */) {
      if (len === 4) return Proto.Icmp;
      if ((b[from + 4]! | 32) === 118 /* v */ && b[from + 5] === 54 /* 6 */) return Proto.Icmpv6;
    }
  }
  if (len < 1 || len > 3) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n > 255 ? -1 : n;
}

/**
 * Read the pairs in bytes[from, end) into `out`: null when the line is a
 * complete hit. `v` views the same buffer as `b`. This defines what a valid
 * line is; canonical.ts only gets to the same answer sooner.
 */
export function fields(
  v: DataView,
  b: Uint8Array,
  from: number,
  end: number,
  out: SgaclHit,
): RejectReason | null {
  const spans = out.spans;
  let seen = 0;
  let i = from;
  while (i < end) {
    while (i < end && b[i] === SPACE) i++;
    if (i >= end) break;
    const key = i + 5 <= end ? knownKey(v, b, i, end) : -1;
    let vStart: number;
    if (key >= 0) vStart = i + TEMPLATE_LENGTH[key]!;
    else {
      // An unknown key, or a known one not followed by `='`: the byte path decides.
      let eq = i;
      while (eq < end && b[eq] !== EQUALS) eq++;
      if (eq + 1 >= end || b[eq + 1] !== QUOTE) return RejectReason.Malformed;
      vStart = eq + 2;
    }
    let vEnd = vStart;
    // Digits (1 to 9 of them) as a number, -1 for anything else: read on the way to the quote.
    let n = -1;
    if (key >= 0 && ((NUMERIC >> key) & 1) !== 0) {
      n = 0;
      for (; vEnd < end; vEnd++) {
        const d = b[vEnd]! - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      if (vEnd === vStart || vEnd - vStart > 9 || vEnd >= end || b[vEnd] !== QUOTE) n = -1;
      if (vEnd < end && b[vEnd] !== QUOTE) vEnd = quoteFrom(v, b, vEnd, end);
    } else vEnd = quoteFrom(v, b, vStart, end);
    if (vEnd >= end) return RejectReason.Truncated;
    if (vEnd + 1 < end && b[vEnd + 1] !== SPACE) return RejectReason.Malformed;
    if (vEnd - vStart > MAX_VALUE_LENGTH) return RejectReason.TooLong;
    i = vEnd + 1;
    if (key < 0) continue;
    switch (key) {
      case K.sgt:
        out.sgt = n;
        break;
      case K.dgt:
        out.dgt = n;
        break;
      case K.action: {
        const a = b[vStart]! | 32;
        if (a === 112 /* p */ && vEnd - vStart === 6) out.action = 'permit';
        else if (a === 100 /* d */ && vEnd - vStart === 4) out.action = 'deny';
        else return RejectReason.BadAction;
        break;
      }
      case K.proto:
        out.protocol = protocol(b, vStart, vEnd);
        if (out.protocol < 0) return RejectReason.BadProtocol;
        break;
      case K.srcPort:
        if (n < 0) return RejectReason.BadNumber;
        out.srcPort = n;
        break;
      case K.dstPort:
        if (n < 0) return RejectReason.BadNumber;
        out.dstPort = n;
        break;
      case K.hits:
        if (n < 1) return RejectReason.BadNumber;
        out.hits = n;
        break;
    }
    const bit = 1 << key;
    if ((seen & bit) !== 0) return RejectReason.DuplicateField;
    seen |= bit;
    const text = TEXT[key]!;
    if (text >= 0) {
      spans[text * 2] = vStart;
      spans[text * 2 + 1] = vEnd;
    }
  }
  if ((seen & REQUIRED) !== REQUIRED) {
    return (seen & HITS) === 0 && seen !== 0 ? RejectReason.Truncated : RejectReason.MissingField;
  }
  if (out.sgt < 0 || out.dgt < 0) return RejectReason.BadNumber;
  if (out.sgt > 65535 || out.dgt > 65535) return RejectReason.TagOutOfRange;
  if (out.srcPort > 65535 || out.dstPort > 65535) return RejectReason.PortOutOfRange;
  if ((out.protocol === Proto.Tcp || out.protocol === Proto.Udp) && (seen & DST_PORT) === 0) {
    return RejectReason.MissingField;
  }
  return null;
}

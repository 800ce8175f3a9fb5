/**
 * The fast path for the pairs as IOS-XE prints them: always the same keys in
 * the same order, one space apart (`src-vrf` / `dest-vrf` only on newer
 * releases). Straight-line code that checks each expected key with one to
 * three 8-byte compares, then finds its value's end a word at a time: about
 * twice as fast as the general reader, which tells keys apart and loops.
 *
 * It only ever says "this line is a valid hit, here it is". Anything else (an
 * unexpected key or spacing, a bad value, out-of-range numbers) returns false
 * and the general reader in fields.ts decides, so the rules live in one place.
 *
 * 8 ASCII bytes read as a float64 are a finite, non-zero number, so `===`
 * on them is exact byte equality (a NaN read never equals anything).
 */

import { protocol, quoteFrom } from './fields.ts';
import { HitText, MAX_VALUE_LENGTH, Proto, type SgaclHit } from './hit.ts';

const SPACE = 32;
const QUOTE = 39;

function f64(s: string): number {
  const view = new DataView(new ArrayBuffer(8));
  for (let k = 0; k < 8; k++) view.setUint8(k, s.charCodeAt(k));
  return view.getFloat64(0, true);
}
const i32 = (s: string): number =>
  s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);

// Each key with its `='`, in words; comments give the bytes each one covers.
const IFACE_A = f64('ingress_'); // ingress_interface=' (19)
const IFACE_B = f64('interfac');
const IFACE_C = i32("ce='");
const NAME_A = f64('sgacl_na'); // sgacl_name=' (12)
const NAME_B = i32("me='");
const ACTION = f64("action='"); // (8)
const PERMIT = f64("Permit' "); // the value, its quote and the space after it
const DENY = i32('Deny');
const QUOTE_SPACE = 0x2027; // `' ` as a little-endian uint16
const TCP = i32("tcp'");
const UDP = i32("udp'");
const PROTO = f64('protocol'); // protocol=' (10)
const EQ_QUOTE = 0x273d; // `='` as a little-endian uint16
const SRC_VRF = f64('src-vrf='); // src-vrf=' (9)
const SRC_IP = f64("src-ip='"); // (8)
const SRC_PORT = f64('src-port'); // src-port=' (10)
const DST_VRF = f64('dest-vrf'); // dest-vrf=' (10)
const DST_IP = f64('dest-ip='); // dest-ip=' (9)
const DST_PORT_A = f64('dest-por'); // dest-port=' (11)
const DST_PORT_B = i32("rt='");
const SGT = i32('sgt='); // sgt=' (5)
const DGT = i32('dgt='); // dgt=' (5)
const HITS_A = f64('logging_'); // logging_interval_hits=' (23)
const HITS_B = f64('interval');
const HITS_C = f64("l_hits='"); // bytes 15–22, overlapping the word before

/** The closing quote of the value from `s`, when a space follows it and it is not too long; else -1. */
function textEnd(v: DataView, b: Uint8Array, s: number, end: number): number {
  const e = quoteFrom(v, b, s, end);
  return e + 1 >= end || b[e + 1] !== SPACE || e - s > MAX_VALUE_LENGTH ? -1 : e;
}

/** The quote after 1 to 9 digits from `s`, or -1. */
function digitsEnd(b: Uint8Array, s: number, end: number): number {
  let j = s;
  while (j < end && b[j]! >= 48 && b[j]! <= 57) j++;
  return j === s || j - s > 9 || j >= end || b[j] !== QUOTE ? -1 : j;
}

/** Like digitsEnd, when a space follows the quote. */
function spacedDigitsEnd(b: Uint8Array, s: number, end: number): number {
  const e = digitsEnd(b, s, end);
  return e < 0 || e + 1 >= end || b[e + 1] !== SPACE ? -1 : e;
}

/** The digits in [s, e) as a number. */
function value(b: Uint8Array, s: number, e: number): number {
  let n = 0;
  for (let j = s; j < e; j++) n = n * 10 + b[j]! - 48;
  return n;
}

/** Fill `out` from the pairs in [i, end) when they are laid out as IOS-XE prints them. */
export function canonicalFields(v: DataView, b: Uint8Array, i: number, end: number, out: SgaclHit): boolean {
  const spans = out.spans;
  let e: number;
  // ` ingress_interface='…' `
  if (i + 20 > end || b[i] !== SPACE) return false;
  if (v.getFloat64(i + 1, true) !== IFACE_A || v.getFloat64(i + 9, true) !== IFACE_B) return false;
  if (v.getInt32(i + 16, true) !== IFACE_C) return false;
  e = textEnd(v, b, i + 20, end);
  if (e < 0) return false;
  spans[HitText.Interface * 2] = i + 20;
  spans[HitText.Interface * 2 + 1] = e;
  i = e + 2;
  // sgacl_name='…'
  if (i + 12 > end || v.getFloat64(i, true) !== NAME_A || v.getInt32(i + 8, true) !== NAME_B) return false;
  e = textEnd(v, b, i + 12, end);
  if (e < 0) return false;
  spans[HitText.SgaclName * 2] = i + 12;
  spans[HitText.SgaclName * 2 + 1] = e;
  i = e + 2;
  // action='Permit' / 'Deny', as printed; other spellings go to the general reader
  if (i + 16 > end || v.getFloat64(i, true) !== ACTION) return false;
  if (v.getFloat64(i + 8, true) === PERMIT) {
    out.action = 'permit';
    i += 16;
  } else if (v.getInt32(i + 8, true) === DENY && v.getUint16(i + 12, true) === QUOTE_SPACE) {
    out.action = 'deny';
    i += 14;
  } else return false;
  // protocol='tcp' / 'udp' at a glance, anything else through protocol()
  if (i + 15 > end || v.getFloat64(i, true) !== PROTO || v.getUint16(i + 8, true) !== EQ_QUOTE) return false;
  const name = v.getInt32(i + 10, true);
  if (name === TCP && b[i + 14] === SPACE) {
    out.protocol = Proto.Tcp;
    i += 15;
  } else if (name === UDP && b[i + 14] === SPACE) {
    out.protocol = Proto.Udp;
    i += 15;
  } else {
    e = textEnd(v, b, i + 10, end);
    if (e < 0) return false;
    const p = protocol(b, i + 10, e);
    if (p < 0) return false;
    out.protocol = p;
    i = e + 2;
  }
  // [src-vrf='…']
  if (i + 9 <= end && v.getFloat64(i, true) === SRC_VRF && b[i + 8] === QUOTE) {
    e = textEnd(v, b, i + 9, end);
    if (e < 0) return false;
    spans[HitText.SrcVrf * 2] = i + 9;
    spans[HitText.SrcVrf * 2 + 1] = e;
    i = e + 2;
  }
  // src-ip='…'
  if (i + 8 > end || v.getFloat64(i, true) !== SRC_IP) return false;
  e = textEnd(v, b, i + 8, end);
  if (e < 0) return false;
  spans[HitText.SrcIp * 2] = i + 8;
  spans[HitText.SrcIp * 2 + 1] = e;
  i = e + 2;
  // src-port='…'
  if (i + 10 > end || v.getFloat64(i, true) !== SRC_PORT || v.getUint16(i + 8, true) !== EQ_QUOTE)
    return false;
  e = spacedDigitsEnd(b, i + 10, end);
  if (e < 0) return false;
  const srcPort = value(b, i + 10, e);
  i = e + 2;
  // [dest-vrf='…']
  if (i + 10 <= end && v.getFloat64(i, true) === DST_VRF && v.getUint16(i + 8, true) === EQ_QUOTE) {
    e = textEnd(v, b, i + 10, end);
    if (e < 0) return false;
    spans[HitText.DstVrf * 2] = i + 10;
    spans[HitText.DstVrf * 2 + 1] = e;
    i = e + 2;
  }
  // dest-ip='…'
  if (i + 9 > end || v.getFloat64(i, true) !== DST_IP || b[i + 8] !== QUOTE) return false;
  e = textEnd(v, b, i + 9, end);
  if (e < 0) return false;
  spans[HitText.DstIp * 2] = i + 9;
  spans[HitText.DstIp * 2 + 1] = e;
  i = e + 2;
  // dest-port='…'
  if (i + 11 > end || v.getFloat64(i, true) !== DST_PORT_A || v.getInt32(i + 7, true) !== DST_PORT_B)
    return false;
  e = spacedDigitsEnd(b, i + 11, end);
  if (e < 0) return false;
  const dstPort = value(b, i + 11, e);
  i = e + 2;
  // sgt='…' dgt='…'
  if (i + 5 > end || v.getInt32(i, true) !== SGT || b[i + 4] !== QUOTE) return false;
  e = spacedDigitsEnd(b, i + 5, end);
  if (e < 0) return false;
  const sgt = value(b, i + 5, e);
  i = e + 2;
  if (i + 5 > end || v.getInt32(i, true) !== DGT || b[i + 4] !== QUOTE) return false;
  e = spacedDigitsEnd(b, i + 5, end);
  if (e < 0) return false;
  const dgt = value(b, i + 5, e);
  i = e + 2;
  // logging_interval_hits='…', ending the line
  if (i + 23 > end || v.getFloat64(i, true) !== HITS_A || v.getFloat64(i + 8, true) !== HITS_B) return false;
  if (v.getFloat64(i + 15, true) !== HITS_C) return false;
  e = digitsEnd(b, i + 23, end);
  if (e < 0 || e + 1 !== end) return false;
  const hits = value(b, i + 23, e);
  // Out of range: the general reader says which rule the line breaks.
  if (hits < 1 || srcPort > 65535 || dstPort > 65535 || sgt > 65535 || dgt > 65535) return false;
  out.srcPort = srcPort;
  out.dstPort = dstPort;
  out.sgt = sgt;
  out.dgt = dgt;
  out.hits = hits;
  return true;
}

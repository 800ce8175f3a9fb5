/**
 * The names in syslog stamps: months, and the time zone abbreviations IOS
 * prints after the time. Looked up from the line's bytes without making a
 * string, since this runs for every line.
 */
import { decodeText } from './text.ts';

/** Month (0–11) from its three letters packed into one number (c0 << 16 | c1 << 8 | c2), or -1. */
export function month(packed: number): number {
  // A switch compiles to a few compares; a Map lookup per line costs more.
  switch (packed) {
    case 0x4a616e:
      return 0; // Jan
    case 0x466562:
      return 1; // Feb
    case 0x4d6172:
      return 2; // Mar
    case 0x417072:
      return 3; // Apr
    case 0x4d6179:
      return 4; // May
    case 0x4a756e:
      return 5; // Jun
    case 0x4a756c:
      return 6; // Jul
    case 0x417567:
      return 7; // Aug
    case 0x536570:
      return 8; // Sep
    case 0x4f6374:
      return 9; // Oct
    case 0x4e6f76:
      return 10; // Nov
    case 0x446563:
      return 11; // Dec
    default:
      return -1;
  }
}

/** Zone names IOS prints, as minutes east of UTC. Unknown names are read as UTC. */
const ZONES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  UT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  MET: 60,
  MEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  IST: 330,
  SGT: 480,
  HKT: 480,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  AKST: -540,
  AKDT: -480,
  HST: -600,
};

/** The same zones keyed by their upper-case letters packed into a number: no string per line. */
const PACKED_ZONES = new Map<number, number>(
  Object.entries(ZONES).map(([name, minutes]) => [packName(name), minutes]),
);

function packName(name: string): number {
  let key = 0;
  for (let i = 0; i < name.length; i++) key = key * 32 + (name.charCodeAt(i) - 64);
  return key;
}

/** Minutes east of UTC of the zone name in [from, to); 0 for names IOS does not print. */
export function zoneMinutes(b: Uint8Array, from: number, to: number): number {
  if (to - from <= 4) {
    let key = 0;
    let i = from;
    for (; i < to; i++) {
      const c = b[i]!;
      const upper = c >= 97 && c <= 122 ? c - 32 : c;
      if (upper < 65 || upper > 90) break;
      key = key * 32 + (upper - 64);
    }
    if (i === to) return PACKED_ZONES.get(key) ?? 0;
  }
  return ZONES[decodeText(b, from, to).toUpperCase()] ?? 0;
}

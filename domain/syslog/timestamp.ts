/**
 * Timestamps of SGACLHIT lines, from whichever header wraps them
 * (reference/sgaclhit.md): RFC 5424 and rsyslog ISO stamps (year and zone
 * included), RFC 3164 stamps, and IOS stamps with their `*`/`.` clock flags,
 * sequence numbers, optional year and zone name. A stamp without a year gets
 * one inferred from a reference time (the collector's stamp or the file's
 * time), never blindly the current year, so logs that cross New Year land in
 * the right year.
 *
 * This runs for every line, so it reads characters by index, works on the
 * whole line without cutting the header out, and caches midnight of each day
 * instead of calling Date.UTC.
 */

/** Month from its three letters, keyed by their char codes packed into one number. */
const MONTHS = new Map<number, number>(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [
    (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2),
    i,
  ]),
);

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

/** Allowed lead of a stamp over its reference before it is taken for last year's. */
const FUTURE_SLACK_MS = 2 * 24 * 60 * 60 * 1000;

export interface HeaderTime {
  /** Epoch ms, or NaN when the header carries no usable stamp. */
  ms: number;
  /** Where the sending switch's name is in the line (equal when there is none). */
  hostStart: number;
  hostEnd: number;
}

const midnights = new Map<number, number>();

/** Epoch ms of midnight UTC, cached: a log spans few days. NaN for impossible dates. */
function midnight(year: number, month: number, day: number): number {
  const key = year * 512 + month * 32 + day;
  let ms = midnights.get(key);
  if (ms === undefined) {
    ms = Date.UTC(year, month, day);
    // Feb 30, month 13, a year of garbage digits: no such day.
    if (year < 1970 || year > 9999 || month < 0 || month > 11 || new Date(ms).getUTCDate() !== day)
      ms = Number.NaN;
    if (midnights.size > 10_000) midnights.clear();
    midnights.set(key, ms);
  }
  return ms;
}

/** `n` digits at `at` as a number, or -1. */
function num(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

function clock(h: number, mi: number, s: number): number {
  return h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60
    ? Number.NaN
    : h * 3_600_000 + mi * 60_000 + s * 1_000;
}

/** Milliseconds from a `.fff…` fraction at `at` (0 when absent); `end` receives the index after it. */
function fraction(s: string, at: number, end: { i: number }): number {
  end.i = at;
  if (s.charCodeAt(at) !== 46 /* . */) return 0;
  let i = at + 1;
  let ms = 0;
  let digits = 0;
  for (; isDigit(s.charCodeAt(i)); i++) if (digits++ < 3) ms = ms * 10 + s.charCodeAt(i) - 48;
  for (; digits < 3; digits++) ms *= 10;
  end.i = i;
  return ms;
}

const cursor = { i: 0 };

/** RFC 3339 at `at`, up to the next space (or `end`): epoch ms or NaN. */
export function parseIsoAt(s: string, at: number, end: number): number {
  if (s.charCodeAt(at + 4) !== 45 || s.charCodeAt(at + 7) !== 45 || s.charCodeAt(at + 10) !== 84 /* T */)
    return Number.NaN;
  const day = midnight(num(s, at, 4), num(s, at + 5, 2) - 1, num(s, at + 8, 2));
  const t =
    day + clock(num(s, at + 11, 2), num(s, at + 14, 2), num(s, at + 17, 2)) + fraction(s, at + 19, cursor);
  const z = cursor.i;
  const zc = s.charCodeAt(z);
  if (zc === 90 /* Z */ && (z + 1 === end || s.charCodeAt(z + 1) === 32)) return t;
  if (zc !== 43 && zc !== 45) return Number.NaN;
  const colon = s.charCodeAt(z + 3) === 58 ? 1 : 0;
  const offset = num(s, z + 1, 2) * 60 + num(s, z + 3 + colon, 2);
  return offset < 0 ? Number.NaN : t - (zc === 45 ? -1 : 1) * offset * 60_000;
}

/** `Mmm dd` at `at`: [month, day, index after the day] or null. */
function monthDay(s: string, at: number): [number, number, number] | null {
  const month = MONTHS.get((s.charCodeAt(at) << 16) | (s.charCodeAt(at + 1) << 8) | s.charCodeAt(at + 2));
  if (month === undefined || s.charCodeAt(at + 3) !== 32) return null;
  let i = at + 4;
  if (s.charCodeAt(i) === 32) i++; // `Jun  8`
  let day = 0;
  const start = i;
  while (isDigit(s.charCodeAt(i)) && i - start < 2) day = day * 10 + s.charCodeAt(i++) - 48;
  if (i === start || s.charCodeAt(i) !== 32) return null;
  return [month, day, i + 1];
}

export class HeaderReader {
  readonly #referenceMs: number;
  readonly #referenceYear: number;

  constructor(referenceMs: number) {
    this.#referenceMs = referenceMs;
    this.#referenceYear = new Date(referenceMs).getUTCFullYear();
  }

  #withYear(month: number, day: number, timeMs: number, zoneMs: number): number {
    const t = midnight(this.#referenceYear, month, day) + timeMs - zoneMs;
    return t - this.#referenceMs > FUTURE_SLACK_MS
      ? midnight(this.#referenceYear - 1, month, day) + timeMs - zoneMs
      : t;
  }

  /** An IOS stamp `Mmm dd [yyyy ]hh:mm:ss[.fff][ TZ]:` at `at`, ending before `end`. */
  #ios(s: string, at: number, end: number): number {
    const md = monthDay(s, at);
    if (md === null) return Number.NaN;
    let i = md[2];
    let year = -1;
    if (isDigit(s.charCodeAt(i + 3)) && s.charCodeAt(i + 4) === 32) {
      year = num(s, i, 4);
      i += 5;
    }
    const h = s.charCodeAt(i + 1) === 58 ? num(s, i++, 1) : num(s, i, 2); // hour may have one digit
    const time = clock(h, num(s, i + 3, 2), num(s, i + 6, 2)) + fraction(s, i + 8, cursor);
    i = cursor.i;
    let zoneMs = 0;
    if (s.charCodeAt(i) === 32 && i + 1 < end && !s.startsWith('UTC:', i + 1)) {
      const colon = s.indexOf(':', i);
      const name = s.slice(i + 1, colon === -1 ? end : colon).toUpperCase();
      zoneMs = (ZONES[name] ?? 0) * 60_000;
    }
    if (year === -1) return this.#withYear(md[0], md[1], time, zoneMs);
    return midnight(year, md[0], md[1]) + time - zoneMs;
  }

  /**
   * Read the time and host out of `line[0, end)`, everything before `%RBM-…`.
   * The collector's ISO stamp wins when there is one (it has year and zone);
   * otherwise the device's stamp, with the year inferred from the reference.
   */
  read(s: string, end: number, out: HeaderTime): void {
    out.ms = Number.NaN;
    out.hostStart = 0;
    out.hostEnd = 0;
    let p = 0;
    const pri = s.charCodeAt(0) === 60; /* < */
    if (pri) {
      p = s.indexOf('>');
      if (p < 2 || p > 4) return;
      p++;
      if (s.charCodeAt(p) === 49 /* 1 */ && s.charCodeAt(p + 1) === 32) p += 2; // RFC 5424 version
    }
    if (isDigit(s.charCodeAt(p)) && s.charCodeAt(p + 4) === 45) {
      // ISO stamp, then host: rsyslog file lines and RFC 5424.
      const sp = s.indexOf(' ', p);
      if (sp === -1 || sp >= end) return;
      out.ms = parseIsoAt(s, p, sp);
      this.#host(s, sp + 1, end, out);
      return;
    }
    if (pri) {
      // RFC 3164: `Mmm dd hh:mm:ss host …`
      const md = monthDay(s, p);
      if (md === null || s.charCodeAt(md[2] + 8) !== 32) return;
      const i = md[2];
      out.ms = this.#withYear(md[0], md[1], clock(num(s, i, 2), num(s, i + 3, 2), num(s, i + 6, 2)), 0);
      this.#host(s, i + 9, end, out);
      return;
    }
    // Bare IOS: optional `000123: ` sequence number, optional `*`/`.` clock flag, then the stamp.
    let q = p;
    while (isDigit(s.charCodeAt(q))) q++;
    if (q > p && s.charCodeAt(q) === 58 && s.charCodeAt(q + 1) === 32) p = q + 2;
    const flag = s.charCodeAt(p);
    if (flag === 42 /* * */ || flag === 46 /* . */) p++;
    out.ms = this.#ios(s, p, end);
  }

  #host(s: string, from: number, end: number, out: HeaderTime): void {
    const sp = s.indexOf(' ', from);
    if (sp === -1 || sp > end) return;
    out.hostStart = from;
    out.hostEnd = s.charCodeAt(sp - 1) === 58 ? sp - 1 : sp; // `host:` in some 3164 senders
  }
}

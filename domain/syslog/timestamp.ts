/**
 * Timestamps of SGACLHIT lines, from whichever header wraps them
 * (reference/sgaclhit.md): RFC 5424 and rsyslog ISO stamps (year and zone
 * included), RFC 3164 stamps, and IOS stamps with their `*`/`.` clock flags,
 * sequence numbers, optional year and zone name. A stamp without a year gets
 * one inferred from a reference time (the collector's stamp or the file's
 * time), never blindly the current year, so logs that cross New Year land in
 * the right year.
 *
 * This runs for every line, so it reads the line's bytes in place and caches
 * midnight of each day instead of calling Date.UTC. Every read is bounded by
 * the line's end (`lim`): a line in a chunk is followed by other lines, and a
 * cut-off header must not be completed by the next line's bytes.
 */
import { month, zoneMinutes } from './calendar.ts';
import { STAMP_VALUES, StampCache } from './stamp-cache.ts';

/** Allowed lead of a stamp over its reference before it is taken for last year's. */
const FUTURE_SLACK_MS = 2 * 24 * 60 * 60 * 1000;

export interface HeaderTime {
  /** Epoch ms, or NaN when the header carries no usable stamp. */
  ms: number;
  /** Where the sending switch's name is in the buffer (equal when there is none). */
  hostStart: number;
  hostEnd: number;
}

const midnights = new Map<number, number>();
/**
 * Results the small readers below hand back besides their return value, and
 * the last day looked up. A const object, not `let`s: module-level `let`s
 * cost a TDZ check on every access in the JIT.
 */
const st = { lastKey: -1, lastMidnight: Number.NaN, fractionEnd: 0, dayEnd: 0, dayOfMonth: 0 };

/** Epoch ms of midnight UTC, cached: a log spans few days. NaN for impossible dates. */
function midnight(year: number, month: number, day: number): number {
  const key = year * 512 + month * 32 + day;
  if (key === st.lastKey) return st.lastMidnight;
  let ms = midnights.get(key);
  if (ms === undefined) {
    ms = Date.UTC(year, month, day);
    // Feb 30, month 13, a year of garbage digits: no such day.
    if (year < 1970 || year > 9999 || month < 0 || month > 11 || new Date(ms).getUTCDate() !== day)
      ms = Number.NaN;
    if (midnights.size > 10_000) midnights.clear();
    midnights.set(key, ms);
  }
  st.lastKey = key;
  st.lastMidnight = ms;
  return ms;
}

/** The byte at `i`, or -1 past the line's end (matches nothing, not even a digit). */
const at = (b: Uint8Array, i: number, lim: number): number => (i < lim ? b[i]! : -1);

/** `n` digits at `i` as a number; -1 at a non-digit, NaN when the line ends first. */
function num(b: Uint8Array, i: number, n: number, lim: number): number {
  let v = 0;
  for (const stop = i + n; i < stop; i++) {
    if (i >= lim) return Number.NaN;
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Two digits at `i`: `num(b, i, 2, lim)` without its loop (most fields of a stamp). */
function two(b: Uint8Array, i: number, lim: number): number {
  if (i + 2 > lim) return num(b, i, 2, lim);
  const x = b[i]! - 48;
  const y = b[i + 1]! - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/** First `c` in [from, to), or -1. */
function find(b: Uint8Array, c: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === c) return i;
  return -1;
}

/** First space in [from, to), or -1: four bytes at a time (hosts and stamps are 10–30 bytes). */
function findSpace(v: DataView, b: Uint8Array, from: number, to: number): number {
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const x = v.getInt32(i, true) ^ 0x20202020;
    const m = (x - 0x01010101) & ~x & 0x80808080; // the lowest flagged byte is the first space
    if (m !== 0) return i + ((31 - Math.clz32(m & -m)) >> 3);
  }
  for (; i < to; i++) if (b[i] === 32) return i;
  return -1;
}

function clock(h: number, mi: number, s: number): number {
  return h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60
    ? Number.NaN
    : h * 3_600_000 + mi * 60_000 + s * 1_000;
}

/** Milliseconds from a `.fff…` fraction at `i` (0 when absent); sets `st.fractionEnd`. */
function fraction(b: Uint8Array, i: number, lim: number): number {
  st.fractionEnd = i;
  if (at(b, i, lim) !== 46 /* . */) return 0;
  let ms = 0;
  let digits = 0;
  for (i++; isDigit(at(b, i, lim)); i++) if (digits++ < 3) ms = ms * 10 + b[i]! - 48;
  for (; digits < 3; digits++) ms *= 10;
  st.fractionEnd = i;
  return ms;
}

/** RFC 3339 at `p`, up to the space at `end`: epoch ms or NaN. Its prefix to the second is looked up in `cache` first. */
function parseIsoAt(
  v: DataView,
  b: Uint8Array,
  p: number,
  end: number,
  lim: number,
  cache: StampCache,
): number {
  let e = cache.find(v, p, lim);
  if (e === -1) {
    if (at(b, p + 4, lim) !== 45 || at(b, p + 7, lim) !== 45 || at(b, p + 10, lim) !== 84 /* T */)
      return Number.NaN;
    const day = midnight(num(b, p, 4, lim), two(b, p + 5, lim) - 1, two(b, p + 8, lim));
    const second = day + clock(two(b, p + 11, lim), two(b, p + 14, lim), two(b, p + 17, lim));
    // Every byte read so far lies in [p, p + 19).
    e = p + ISO_SECONDS <= lim ? cache.keep(b, p, ISO_SECONDS) : -1;
    if (e === -1) return isoRest(b, p, end, lim, second);
    cache.values[e * STAMP_VALUES] = second;
  }
  return isoRest(b, p, end, lim, cache.values[e * STAMP_VALUES]!);
}

/** Bytes of `yyyy-mm-ddThh:mm:ss`. */
const ISO_SECONDS = 19;

/** The ISO stamp at `p` after its seconds: fraction and offset, then the whole time. */
function isoRest(b: Uint8Array, p: number, end: number, lim: number, secondMs: number): number {
  const t = secondMs + fraction(b, p + ISO_SECONDS, lim);
  const z = st.fractionEnd;
  const zc = at(b, z, lim);
  if (zc === 90 /* Z */ && (z + 1 === end || at(b, z + 1, lim) === 32)) return t;
  if (zc !== 43 && zc !== 45) return Number.NaN;
  const colon = at(b, z + 3, lim) === 58 ? 1 : 0;
  const offset = two(b, z + 1, lim) * 60 + two(b, z + 3 + colon, lim);
  return offset < 0 ? Number.NaN : t - (zc === 45 ? -1 : 1) * offset * 60_000;
}

/** `Mmm dd ` at `p`: the month (0–11), with `st.dayOfMonth` and `st.dayEnd` set; -1 when absent. */
function monthDay(b: Uint8Array, p: number, lim: number): number {
  const m = month((at(b, p, lim) << 16) | (at(b, p + 1, lim) << 8) | at(b, p + 2, lim));
  if (m === -1 || at(b, p + 3, lim) !== 32) return -1;
  let i = p + 4;
  if (at(b, i, lim) === 32) i++; // `Jun  8`
  let day = 0;
  const start = i;
  while (isDigit(at(b, i, lim)) && i - start < 2) day = day * 10 + b[i++]! - 48;
  if (i === start || at(b, i, lim) !== 32) return -1;
  st.dayOfMonth = day;
  st.dayEnd = i + 1;
  return m;
}

export class HeaderReader {
  readonly #referenceMs: number;
  readonly #referenceYear: number;
  /** Device stamps to the second: month, day, year (-1 when absent) and clock ms. */
  readonly #iosStamps = new StampCache();
  /** Collector stamps to the second: epoch ms of that second. */
  readonly #isoStamps = new StampCache();

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

  /** An IOS stamp `Mmm dd [yyyy ]hh:mm:ss[.fff][ TZ]:` at `p`, ending before `end`. */
  #ios(v: DataView, b: Uint8Array, p: number, end: number, lim: number): number {
    const cache = this.#iosStamps;
    const values = cache.values;
    let e = cache.find(v, p, lim);
    let i: number;
    if (e !== -1) i = p + cache.length(e);
    else {
      const month = monthDay(b, p, lim);
      if (month === -1) return Number.NaN;
      const day = st.dayOfMonth;
      i = st.dayEnd;
      let year = -1;
      if (isDigit(at(b, i + 3, lim)) && at(b, i + 4, lim) === 32) {
        year = num(b, i, 4, lim);
        i += 5;
      }
      // The hour may have one digit.
      const h = at(b, i + 1, lim) === 58 ? num(b, i++, 1, lim) : two(b, i, lim);
      const time = clock(h, two(b, i + 3, lim), two(b, i + 6, lim));
      i += 8;
      // Every byte read so far lies in [p, i): the same bytes read the same next time.
      e = i <= lim ? cache.keep(b, p, i - p) : -1;
      if (e === -1) return this.#iosRest(b, i, end, lim, month, day, year, time);
      values[e * STAMP_VALUES] = month;
      values[e * STAMP_VALUES + 1] = day;
      values[e * STAMP_VALUES + 2] = year;
      values[e * STAMP_VALUES + 3] = time;
    }
    const o = e * STAMP_VALUES;
    return this.#iosRest(b, i, end, lim, values[o]!, values[o + 1]!, values[o + 2]!, values[o + 3]!);
  }

  /** The IOS stamp after its seconds, at `i`: fraction and zone, then the whole time. */
  #iosRest(
    b: Uint8Array,
    i: number,
    end: number,
    lim: number,
    month: number,
    day: number,
    year: number,
    clockMs: number,
  ): number {
    const time = clockMs + fraction(b, i, lim);
    i = st.fractionEnd;
    let zoneMs = 0;
    if (at(b, i, lim) === 32 && i + 1 < end && !isUtcColon(b, i + 1, lim)) {
      const colon = find(b, 58, i, lim);
      zoneMs = zoneMinutes(b, i + 1, colon === -1 ? end : colon) * 60_000;
    }
    if (year === -1) return this.#withYear(month, day, time, zoneMs);
    return midnight(year, month, day) + time - zoneMs;
  }

  /**
   * Read the time and host out of the header: bytes[start, end), everything
   * before `%RBM-…`, in a line that ends at `lim`. The collector's ISO stamp
   * wins when there is one (it has year and zone); otherwise the device's
   * stamp, with the year inferred from the reference.
   */
  read(v: DataView, b: Uint8Array, start: number, end: number, lim: number, out: HeaderTime): void {
    out.ms = Number.NaN;
    out.hostStart = 0;
    out.hostEnd = 0;
    let p = start;
    const pri = at(b, start, lim) === 60; /* < */
    if (pri) {
      p = find(b, 62 /* > */, start, Math.min(start + 5, lim));
      if (p - start < 2) return;
      p++;
      if (at(b, p, lim) === 49 /* 1 */ && at(b, p + 1, lim) === 32) p += 2; // RFC 5424 version
    }
    if (isDigit(at(b, p, lim)) && at(b, p + 4, lim) === 45) {
      // ISO stamp, then host: rsyslog file lines and RFC 5424.
      const sp = findSpace(v, b, p, end);
      if (sp === -1) return;
      out.ms = parseIsoAt(v, b, p, sp, lim, this.#isoStamps);
      this.#host(v, b, sp + 1, end, out);
      return;
    }
    if (pri) {
      // RFC 3164: `Mmm dd hh:mm:ss host …`
      const month = monthDay(b, p, lim);
      const i = st.dayEnd;
      if (month === -1 || at(b, i + 8, lim) !== 32) return;
      const time = clock(two(b, i, lim), two(b, i + 3, lim), two(b, i + 6, lim));
      out.ms = this.#withYear(month, st.dayOfMonth, time, 0);
      this.#host(v, b, i + 9, end, out);
      return;
    }
    // Bare IOS: optional `000123: ` sequence number, optional `*`/`.` clock flag, then the stamp.
    let q = p;
    while (isDigit(at(b, q, lim))) q++;
    if (q > p && at(b, q, lim) === 58 && at(b, q + 1, lim) === 32) p = q + 2;
    const flag = at(b, p, lim);
    if (flag === 42 /* * */ || flag === 46 /* . */) p++;
    out.ms = this.#ios(v, b, p, end, lim);
  }

  /** The host is the word at `from`, before the tag at `end`. */
  #host(v: DataView, b: Uint8Array, from: number, end: number, out: HeaderTime): void {
    const sp = findSpace(v, b, from, end);
    if (sp === -1) return;
    out.hostStart = from;
    out.hostEnd = b[sp - 1] === 58 ? sp - 1 : sp; // `host:` in some 3164 senders
  }
}

/** `UTC:` at `i`: the zone most stamps carry, skipped without a lookup. */
function isUtcColon(b: Uint8Array, i: number, lim: number): boolean {
  return (
    at(b, i, lim) === 85 && at(b, i + 1, lim) === 84 && at(b, i + 2, lim) === 67 && at(b, i + 3, lim) === 58
  );
}

/**
 * Timestamps of SGACLHIT lines, from whichever header wraps them
 * (reference/sgaclhit.md): RFC 5424 and rsyslog ISO stamps (year and zone
 * included), RFC 3164 stamps, and IOS stamps with their `*`/`.` clock flags,
 * optional year and zone name. A stamp without a year gets one inferred from
 * a reference time (the collector's stamp or the file's time), never blindly
 * the current year, so logs that cross New Year land in the right year.
 */

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

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

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/** RFC 3339 (what RFC 5424 and rsyslog write) to epoch ms, or NaN. */
export function parseIso(text: string): number {
  const m = ISO.exec(text);
  if (m === null) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms);
  const zone = m[8]!;
  if (zone === 'Z') return utc;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** An IOS stamp: `Jun 18 2026 10:17:22.205 UTC: ` (year, fraction and zone optional). */
const IOS_STAMP =
  /^([A-Z][a-z]{2}) +(\d{1,2}) (?:(\d{4}) )?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: ([A-Za-z]{1,5}))?: *$/;
const SYSLOG_3164 = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /;

export interface HeaderTime {
  /** Epoch ms, or NaN when the header carries no usable stamp. */
  ms: number;
  /** The switch that sent it, when the header names one. */
  host: string;
}

function withYear(
  month: number,
  day: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  referenceMs: number,
) {
  const refYear = new Date(referenceMs).getUTCFullYear();
  const t = Date.UTC(refYear, month, day, h, mi, s, ms);
  return t - referenceMs > FUTURE_SLACK_MS ? Date.UTC(refYear - 1, month, day, h, mi, s, ms) : t;
}

function validDate(
  month: number | undefined,
  day: number,
  h: number,
  mi: number,
  s: number,
): month is number {
  return month !== undefined && day >= 1 && day <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

function iosStamp(text: string, referenceMs: number): number {
  const m = IOS_STAMP.exec(text);
  if (m === null) return Number.NaN;
  const month = MONTHS[m[1]!];
  const d = +m[2]!,
    h = +m[4]!,
    mi = +m[5]!,
    s = +m[6]!;
  if (!validDate(month, d, h, mi, s)) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const zoneMs = (ZONES[m[8]?.toUpperCase() ?? 'UTC'] ?? 0) * 60_000;
  const t =
    m[3] === undefined
      ? withYear(month, d, h, mi, s, ms, referenceMs + zoneMs)
      : Date.UTC(+m[3], month, d, h, mi, s, ms);
  return t - zoneMs;
}

/**
 * Reads stamps, remembering the last one: lines arrive in time order and many
 * share a stamp, so most lines cost one string comparison here.
 */
export class HeaderReader {
  readonly #referenceMs: number;
  #lastText = '';
  #lastMs = Number.NaN;

  constructor(referenceMs: number) {
    this.#referenceMs = referenceMs;
  }

  #cached(text: string, parse: (t: string, ref: number) => number): number {
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#lastMs = parse(text, this.#referenceMs);
    }
    return this.#lastMs;
  }

  /**
   * Read the time and host out of everything before `%RBM-…`. The collector's
   * ISO stamp wins when there is one (it has year and zone); otherwise the
   * device's stamp, with the year inferred from the reference time.
   */
  read(header: string, out: HeaderTime): void {
    out.ms = Number.NaN;
    out.host = '';
    let rest = header;
    const pri = rest.charCodeAt(0) === 60; /* < */
    if (pri) {
      const close = rest.indexOf('>');
      if (close < 2 || close > 4) return;
      rest = rest.slice(close + 1);
      if (rest.startsWith('1 ')) rest = rest.slice(2); // RFC 5424 version
    }
    const c0 = rest.charCodeAt(0);
    const sp = rest.indexOf(' ');
    if (c0 >= 48 && c0 <= 57 && rest.charCodeAt(4) === 45 /* - */) {
      // ISO stamp, then host: rsyslog file lines and RFC 5424.
      out.ms = this.#cached(sp === -1 ? rest : rest.slice(0, sp), parseIso);
      const hostEnd = rest.indexOf(' ', sp + 1);
      if (sp !== -1 && hostEnd !== -1) out.host = rest.slice(sp + 1, hostEnd);
      return;
    }
    if (pri) {
      // RFC 3164: `Mmm dd hh:mm:ss host …`
      const m = SYSLOG_3164.exec(rest);
      if (m === null) return;
      const hostEnd = rest.indexOf(' ', m[0].length);
      if (hostEnd !== -1) out.host = rest.slice(m[0].length, hostEnd);
      const month = MONTHS[m[1]!];
      const d = +m[2]!,
        h = +m[3]!,
        mi = +m[4]!,
        s = +m[5]!;
      if (validDate(month, d, h, mi, s)) out.ms = withYear(month, d, h, mi, s, 0, this.#referenceMs);
      return;
    }
    // Bare IOS: optional `000123: ` sequence number, optional `*`/`.` clock flag, then the stamp.
    let p = 0;
    while (p < rest.length && rest.charCodeAt(p) >= 48 && rest.charCodeAt(p) <= 57) p++;
    if (p > 0 && rest.startsWith(': ', p)) p += 2;
    else p = 0;
    const flag = rest.charCodeAt(p);
    if (flag === 42 /* * */ || flag === 46 /* . */) p++;
    out.ms = this.#cached(p === 0 ? rest : rest.slice(p), iosStamp);
  }
}

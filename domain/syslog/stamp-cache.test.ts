/**
 * A parser that has read earlier lines (its stamp caches warm) reads every
 * line exactly as a fresh parser does: lines that repeat a stamp's second with
 * another fraction or zone, headers of several styles interleaved (more than
 * the cache holds), stamps cut off by the line's end right after a cached
 * prefix, and impossible dates.
 */
import { describe, expect, test } from 'bun:test';
import { emptyHit, hitRecord, LineParser, RejectReason } from './parse.ts';

const BODY =
  "%RBM-6-SGACLHIT: ingress_interface='Gi1/0/2' sgacl_name='web' action='Permit' protocol='tcp' " +
  "src-ip='10.10.1.5' src-port='52341' dest-ip='10.20.1.10' dest-port='443' sgt='100' dgt='200' " +
  "logging_interval_hits='3'";
const REFERENCE = Date.UTC(2026, 6, 1);

function read(parser: LineParser, line: string) {
  const hit = emptyHit();
  const reason = parser.parseLine(line, hit);
  return reason === null ? hitRecord(hit) : reason;
}

/** Headers that share prefixes to the second and differ after it, in many styles. */
function headers(): string[] {
  const out: string[] = [];
  for (const second of ['10:17:22', '10:17:23', '9:17:22']) {
    for (const day of ['Jun 18', 'Jun  8', 'Feb 30', 'Dec 31']) {
      for (const rest of ['.205', '.999', '', '.5', '.205 CEST', '.205 PDT', '.205 UTC', ' EST']) {
        out.push(`${day} ${second}${rest}: `);
        out.push(`*${day} ${second}${rest}: `);
        out.push(`000123: ${day} 2025 ${second}${rest}: `);
      }
      out.push(`<190>${day} ${second} sw01 12: `);
    }
    for (const rest of ['Z', '.205Z', '.205+02:00', '-0530', '.1234567Z', 'X']) {
      out.push(`2026-06-18T${second}${rest} sw01.example.net 1: `);
      out.push(`<190>1 2026-06-18T${second}${rest} sw01 - - - - `);
      out.push(`2026-02-30T${second}${rest} sw01 1: `);
    }
  }
  return out;
}

describe('stamp caches', () => {
  test('a warm parser reads each line as a fresh one does, in any order', () => {
    const lines = headers().map((h) => `${h}${BODY}`);
    let seed = 7;
    const shuffled = [...lines, ...lines].sort(() => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed & 1) * 2 - 1;
    });
    const warm = new LineParser(REFERENCE);
    let accepted = 0;
    for (const line of [...lines, ...shuffled]) {
      const expected = read(new LineParser(REFERENCE), line);
      expect(read(warm, line)).toEqual(expected);
      if (typeof expected !== 'string') accepted++;
    }
    // The set exercises both outcomes.
    expect(accepted).toBeGreaterThan(100);
  });

  test('a stamp that runs into the tag right after a known prefix reads as a fresh parser reads it', () => {
    const warm = new LineParser(REFERENCE);
    expect(typeof read(warm, `Jun 18 10:17:22.205: ${BODY}`)).toBe('object');
    expect(typeof read(warm, `2026-06-18T10:17:22Z sw01 1: ${BODY}`)).toBe('object');
    for (const cut of ['Jun 18 10:17:22', 'Jun 18 10:17:2', '2026-06-18T10:17:22', '2026-06-18T10:17:2']) {
      for (const line of [`${cut}${BODY}`, `${cut} ${BODY}`, `${cut}.${BODY}`]) {
        expect(read(warm, line)).toEqual(read(new LineParser(REFERENCE), line));
      }
    }
    expect(read(warm, `Jun 18 10:17:2${BODY}`)).toBe(RejectReason.BadTimestamp);
  });

  test('the same prefix under another reference year is read for that year', () => {
    const line = `Dec 31 23:59:59.000: ${BODY}`;
    const january = Date.UTC(2027, 0, 1);
    const a = read(new LineParser(REFERENCE), line);
    const b = read(new LineParser(january), line);
    expect(typeof a === 'object' && typeof b === 'object' && b.timestampMs - a.timestampMs).toBe(
      365 * 86_400_000,
    );
  });
});

/**
 * The parser on raw bytes: what only bytes can carry (invalid UTF-8, NUL), and
 * the canonical fast path held against the general reader, which defines the
 * rules.
 */
import { describe, expect, test } from 'bun:test';
import { canonicalFields } from './canonical.ts';
import { fields } from './fields.ts';
import { emptyHit, hitRecord, LineParser, RejectReason } from './parse.ts';
import { LineEncoder, validUtf8 } from './text.ts';

const BODY =
  "%RBM-6-SGACLHIT: ingress_interface='GigabitEthernet1/0/2' sgacl_name='web_https' action='Permit' protocol='tcp' " +
  "src-vrf='default' src-ip='10.10.1.5' src-port='52341' dest-vrf='default' dest-ip='10.20.1.10' dest-port='443' " +
  "sgt='100' dgt='200' logging_interval_hits='248'";
const LINE = `Jun 18 10:17:22.205: ${BODY}`;
const REFERENCE = Date.UTC(2026, 6, 1);
const encode = (s: string) => new TextEncoder().encode(s);

/** The line's bytes with `replacement` bytes in place of `marker`. */
function withBytes(line: string, marker: string, replacement: number[]): Uint8Array {
  const [before, after] = line.split(marker) as [string, string];
  return new Uint8Array([...encode(before), ...replacement, ...encode(after)]);
}

function parseBytes(bytes: Uint8Array, plain = false) {
  const hit = emptyHit();
  const reason = new LineParser(REFERENCE).parse(bytes, 0, bytes.length, hit, plain);
  return { reason, hit: reason === null ? hitRecord(hit) : null };
}

describe('bytes only bytes can carry', () => {
  const invalid: [string, number[]][] = [
    ['a stray continuation byte', [0x80]],
    ['0xFF', [0xff]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an overlong 3-byte form', [0xe0, 0x80, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a 3-byte character cut short', [0xe2, 0x82]],
    ['a lead byte then ASCII', [0xc3, 0x41]],
  ];
  for (const [name, bytes] of invalid) {
    test(`invalid UTF-8: ${name}`, () => {
      expect(parseBytes(withBytes(LINE, 'web_https', [0x77, ...bytes, 0x77])).reason).toBe(
        RejectReason.InvalidUtf8,
      );
    });
  }

  test('valid UTF-8 is accepted and decoded, in every field', () => {
    const line = `<190>Jun 18 10:17:22 sw-zürich 1: ${BODY.replace('web_https', 'grüße_€_𝄞').replace('GigabitEthernet1/0/2', 'Gi1/0/2-äö')}`;
    const { reason, hit } = parseBytes(encode(line));
    expect(reason).toBeNull();
    expect(hit).toMatchObject({ host: 'sw-zürich', sgaclName: 'grüße_€_𝄞', ingressInterface: 'Gi1/0/2-äö' });
  });

  test('NUL is refused as such, before invalid UTF-8', () => {
    expect(parseBytes(withBytes(LINE, 'web_https', [0x00])).reason).toBe(RejectReason.NulByte);
    expect(parseBytes(withBytes(LINE, 'web_https', [0xff, 0x00])).reason).toBe(RejectReason.NulByte);
  });

  test('other syslog is not SGACLHIT whatever its bytes', () => {
    const other = withBytes('Jun 18 10:17:22.205: %SYS-5-CONFIG_I: by X', 'X', [0xff, 0x00]);
    expect(parseBytes(other).reason).toBe(RejectReason.NotSgaclHit);
  });

  test('strings: U+FFFD and lone surrogates stand for invalid input', () => {
    const parser = new LineParser(REFERENCE);
    const hit = emptyHit();
    expect(parser.parseLine(LINE.replace('web_https', 'web\uFFFD'), hit)).toBe(RejectReason.InvalidUtf8);
    expect(parser.parseLine(LINE.replace('web_https', 'web\uD800x'), hit)).toBe(RejectReason.InvalidUtf8);
    expect(parser.parseLine(LINE.replace('web_https', 'grüße'), hit)).toBeNull();
    expect(hitRecord(hit).sgaclName).toBe('grüße');
  });

  test('validUtf8 agrees with a strict TextDecoder on random bytes', () => {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    // Bytes drawn mostly from the ranges where UTF-8's edge cases are.
    const pool = [
      0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
      0xff,
    ];
    for (let n = 0; n < 20_000; n++) {
      const bytes = Uint8Array.from({ length: 1 + (rand() % 6) }, () => pool[rand() % pool.length]!);
      let expected = true;
      try {
        strict.decode(bytes);
      } catch {
        expected = false;
      }
      expect({ bytes: [...bytes], valid: validUtf8(bytes, 0, bytes.length) }).toEqual({
        bytes: [...bytes],
        valid: expected,
      });
    }
  });

  test('a line is read only up to its end, whatever follows it in the buffer', () => {
    const cut = LINE.slice(0, LINE.indexOf(" dgt='"));
    const buffer = encode(`${cut}\n dgt='200' logging_interval_hits='248'`);
    const hit = emptyHit();
    expect(new LineParser(REFERENCE).parse(buffer, 0, cut.length, hit)).toBe(RejectReason.Truncated);
  });
});

describe('the canonical fast path', () => {
  const encoder = new LineEncoder();

  /** Both readers over one line's pairs: the fast one may only ever agree, or pass. */
  function compare(line: string): 'fast' | 'general' {
    const n = encoder.encode(line);
    const bytes = encoder.bytes.slice(0, n);
    const view = new DataView(bytes.buffer);
    const from = line.indexOf('-SGACLHIT:') + 10;
    if (from < 10) return 'general';
    const general = emptyHit();
    const fast = emptyHit();
    general.bytes = bytes;
    fast.bytes = bytes;
    const reason = fields(view, bytes, from, n, general);
    if (!canonicalFields(view, bytes, from, n, fast)) return 'general';
    expect({ line, reason }).toEqual({ line, reason: null });
    expect({ line, hit: hitRecord(fast) }).toEqual({ line, hit: hitRecord(general) });
    return 'fast';
  }

  test('takes the lines IOS-XE prints, with and without VRFs', () => {
    expect(compare(LINE)).toBe('fast');
    expect(compare(LINE.replace("src-vrf='default' ", '').replace("dest-vrf='default' ", ''))).toBe('fast');
    expect(compare(LINE.replace("action='Permit'", "action='Deny'").replace("'tcp'", "'icmp'"))).toBe('fast');
    expect(compare(LINE.replace("'tcp'", "'udp'"))).toBe('fast');
    expect(compare(LINE.replace("'tcp'", "'58'"))).toBe('fast');
  });

  test('leaves everything else to the general reader', () => {
    expect(compare(LINE.replace("sgt='100' dgt='200'", "dgt='200' sgt='100'"))).toBe('general');
    expect(compare(LINE.replace("action='Permit'", "action='permit'"))).toBe('general');
    expect(compare(`${LINE} extra='1'`)).toBe('general');
    expect(compare(LINE.replace("sgt='100'", "sgt='70000'"))).toBe('general');
  });

  test('never disagrees with the general reader on mutated lines', () => {
    let seed = 3;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = " '=0123456789-_abcdefgilnoprstuvAPDT%\u00e9\u0000";
    let fast = 0;
    for (let n = 0; n < 20_000; n++) {
      let line = LINE;
      for (let k = 1 + (rand() % 3); k > 0; k--) {
        const at = rand() % line.length;
        const op = rand() % 3;
        const c = alphabet[rand() % alphabet.length]!;
        line =
          op === 0
            ? line.slice(0, at) + c + line.slice(at + 1)
            : op === 1
              ? line.slice(0, at) + c + line.slice(at)
              : line.slice(0, at) + line.slice(at + 1);
      }
      if (compare(line) === 'fast') fast++;
    }
    // Some mutations land in values the fast path takes (digits, names): it was exercised.
    expect(fast).toBeGreaterThan(1000);
  });
});

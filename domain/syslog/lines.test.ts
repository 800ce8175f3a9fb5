import { describe, expect, test } from 'bun:test';
import { type LineSink, LineSplitter } from './lines.ts';

const encode = (s: string) => new TextEncoder().encode(s);

/** What the splitter hands on: each line's text (decoded strictly) and whether it was passed as plain. */
interface Seen {
  lines: string[];
  plain: boolean[];
  tooLong: number;
}

function split(parts: (string | Uint8Array)[], max?: number, sources = 1): Seen {
  const seen: Seen = { lines: [], plain: [], tooLong: 0 };
  const sink: LineSink = {
    line(bytes, start, end, plain) {
      seen.lines.push(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(start, end)));
      seen.plain.push(plain);
    },
    tooLong() {
      seen.lines.push('<too long>');
      seen.tooLong++;
    },
  };
  const splitter = new LineSplitter(sink, max);
  for (let s = 0; s < sources; s++) {
    for (const p of parts) splitter.push(typeof p === 'string' ? encode(p) : p);
    splitter.end();
  }
  return seen;
}

/** Every way of cutting `bytes` in two, and in single bytes. */
function cuts(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

describe('LineSplitter', () => {
  test('joins lines across chunks and trims CRLF, also when CR and LF arrive apart', () => {
    expect(split(['a\r\nb', 'c\nd', '\r\n', 'tail']).lines).toEqual(['a', 'bc', 'd', 'tail']);
    expect(split(['x\r', '\ny\r', '\n']).lines).toEqual(['x', 'y']);
    // Only one CR is an ending; one more is the line's own.
    expect(split(['x\r\r\n']).lines).toEqual(['x\r']);
  });

  test('any cut of the input gives the same lines', () => {
    const bytes = encode('Jun 18 grüße\r\n\nzwei €\nlast\r');
    for (const parts of cuts(bytes)) {
      expect(split(parts).lines).toEqual(['Jun 18 grüße', '', 'zwei €', 'last']);
    }
  });

  test('keeps multi-byte characters split across chunks', () => {
    const bytes = encode('grüße\n');
    expect(split([bytes.slice(0, 3), bytes.slice(3)]).lines).toEqual(['grüße']);
  });

  test('a BOM at the start of each source is dropped, elsewhere kept', () => {
    const bom = '\uFEFF';
    expect(split([`${bom}a\n${bom}b\n`], undefined, 2).lines).toEqual(['a', `${bom}b`, 'a', `${bom}b`]);
    const bytes = encode(`${bom}x\n`);
    for (const parts of cuts(bytes)) expect(split(parts).lines).toEqual(['x']);
    expect(split([bom]).lines).toEqual([]);
  });

  test('an endless line is reported once as too long and skipped, in bounded memory', () => {
    const seen = split(['x'.repeat(100), 'y'.repeat(100), 'z'.repeat(100), '\nnext\n'], 150);
    expect(seen.lines).toEqual(['<too long>', 'next']);
  });

  test('a line over the cap is too long whether it spans chunks or not', () => {
    const long = `${'x'.repeat(200)}\nshort\n`;
    expect(split([long], 150).lines).toEqual(['<too long>', 'short']);
    expect(split([long.slice(0, 120), long.slice(120)], 150).lines).toEqual(['<too long>', 'short']);
    // Exactly at the cap is fine, CR included.
    expect(split([`${'x'.repeat(149)}\r\n`], 150).lines).toEqual(['x'.repeat(149)]);
    expect(split([`${'x'.repeat(150)}\r\n`], 150).lines).toEqual(['<too long>']);
  });

  test('a too-long last line without a newline is counted once', () => {
    expect(split(['a\n', 'x'.repeat(300)], 150).lines).toEqual(['a', '<too long>']);
  });

  test('empty input yields nothing; a last line without newline is passed on', () => {
    expect(split([]).lines).toEqual([]);
    expect(split(['\n']).lines).toEqual(['']);
    expect(split(['a\nb']).lines).toEqual(['a', 'b']);
    expect(split(['a\n\r']).lines).toEqual(['a', '']);
  });

  test('sources do not run into each other', () => {
    expect(split(['no newline'], undefined, 2).lines).toEqual(['no newline', 'no newline']);
  });

  test('lines are passed as plain only when their bytes hold neither NUL nor anything ≥ 0x80', () => {
    // Lines over 8 KB apart, so that no 4 KB block holds both a dirty and a clean line of interest.
    const pad = 'a'.repeat(9000);
    const text = [
      'first',
      pad,
      'clean1',
      pad,
      'ünï',
      pad,
      'clean2',
      pad,
      'nul\u0000',
      pad,
      'clean3',
      '',
    ].join('\n');
    const seen = split([text]);
    const plain = (line: string) => seen.plain[seen.lines.indexOf(line)];
    // A source's first line goes through the carry buffer, which is never taken as plain.
    expect(plain('first')).toBe(false);
    expect([plain('clean1'), plain('clean2'), plain('clean3')]).toEqual([true, true, true]);
    expect([plain('ünï'), plain('nul\u0000')]).toEqual([false, false]);
  });

  test('invalid UTF-8 is handed on as bytes, for the parser to refuse', () => {
    const seen = split([new Uint8Array([0x61, 0xff, 0x62, 0x0a])]);
    expect(seen.lines).toEqual(['a\uFFFDb']);
    expect(seen.plain).toEqual([false]);
  });
});

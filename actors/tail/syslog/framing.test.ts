import { describe, expect, test } from 'bun:test';
import { DropReason, StreamDecoder, trimTrailer } from './framing.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A decoder that records what it emits. */
function decoder(max = 64) {
  const messages: string[] = [];
  const drops: string[] = [];
  const d = new StreamDecoder(
    {
      message: (b, s, e) => messages.push(dec.decode(b.subarray(s, e))),
      dropped: (reason) => drops.push(reason),
    },
    max,
  );
  return { d, messages, drops };
}

/** Push `text` cut into pieces of `size` bytes. */
function pushIn(d: StreamDecoder, text: string | Uint8Array, size: number): void {
  const bytes = typeof text === 'string' ? enc.encode(text) : text;
  for (let i = 0; i < bytes.length; i += size) d.push(bytes.slice(i, i + size));
}

const counted = (m: string) => `${enc.encode(m).length} ${m}`;

describe('StreamDecoder', () => {
  test('newline framing: LF, CRLF and NUL trailers', () => {
    const { d, messages, drops } = decoder();
    d.push(enc.encode('<1>a\n<2>b\r\n<3>c\0<4>d\n'));
    expect(messages).toEqual(['<1>a', '<2>b', '<3>c', '<4>d']);
    expect(drops).toEqual([]);
  });

  test('octet counting, several frames in one chunk, and mixed with newline framing', () => {
    const { d, messages } = decoder();
    d.push(enc.encode(`${counted('<1>one')}${counted('<2>two two')}<3>three\n${counted('<4>four\n')}`));
    expect(messages).toEqual(['<1>one', '<2>two two', '<3>three', '<4>four']);
  });

  test('an octet-counted message keeps a newline inside it as part of the message', () => {
    const { d, messages } = decoder();
    d.push(enc.encode(counted('<1>a\nb')));
    expect(messages).toEqual(['<1>a\nb']);
  });

  test('frames split at every possible byte give the same messages', () => {
    const stream = `${counted('<1>héllo')}<2>world\r\n${counted('<3>x')}<4>last\n`;
    for (let size = 1; size <= 12; size++) {
      const { d, messages, drops } = decoder();
      pushIn(d, stream, size);
      expect(messages).toEqual(['<1>héllo', '<2>world', '<3>x', '<4>last']);
      expect(drops).toEqual([]);
    }
  });

  test('oversize messages are counted and skipped; the stream stays in sync', () => {
    for (const size of [1, 7, 1000]) {
      const { d, messages, drops } = decoder(16);
      pushIn(d, `<1>${'x'.repeat(40)}\n<2>ok\n${counted(`<3>${'y'.repeat(30)}`)}${counted('<4>ok')}`, size);
      expect(messages).toEqual(['<2>ok', '<4>ok']);
      expect(drops).toEqual([DropReason.Oversize, DropReason.Oversize]);
    }
  });

  test('a huge octet count is skipped by its length without buffering it', () => {
    const { d, messages, drops } = decoder(16);
    d.push(enc.encode('100000 '));
    for (let i = 0; i < 100; i++) d.push(new Uint8Array(1000).fill(65));
    d.push(enc.encode('<5>after\n'));
    expect(drops).toEqual([DropReason.Oversize]);
    expect(messages).toEqual(['<5>after']);
  });

  test('digits that are no octet count, or too many of them, are a bad frame up to the next newline', () => {
    const { d, messages, drops } = decoder();
    d.push(enc.encode('12x garbage\n9999999999 y\n<1>fine\n'));
    expect(drops).toEqual([DropReason.BadFrame, DropReason.BadFrame]);
    expect(messages).toEqual(['<1>fine']);
  });

  test('on close: a last message without trailer is kept, a cut-off counted frame is a bad frame', () => {
    const a = decoder();
    a.d.push(enc.encode('<1>no trailer'));
    a.d.end();
    expect(a.messages).toEqual(['<1>no trailer']);
    const b = decoder();
    b.d.push(enc.encode('20 <1>cut'));
    b.d.end();
    expect(b.messages).toEqual([]);
    expect(b.drops).toEqual([DropReason.BadFrame]);
  });

  test('blank lines and NUL padding between frames are no messages', () => {
    const { d, messages, drops } = decoder();
    d.push(enc.encode('\n\r\n\0\0<1>a\n\n'));
    expect(messages).toEqual(['<1>a']);
    expect(drops).toEqual([]);
  });

  test('random bytes never throw and never grow past the limit', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    const lengths: number[] = [];
    const d = new StreamDecoder({ message: (_, s, e) => lengths.push(e - s), dropped: () => undefined }, 32);
    for (let i = 0; i < 2000; i++) {
      const chunk = new Uint8Array(1 + (rand() % 50));
      for (let k = 0; k < chunk.length; k++) chunk[k] = rand() % 4 === 0 ? 10 : rand() & 0xff;
      d.push(chunk);
    }
    d.end();
    expect(lengths.length).toBeGreaterThan(100);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(32);
  });
});

describe('trimTrailer', () => {
  test('drops trailing LF, CR and NUL only', () => {
    const b = enc.encode('<1>x \r\n\0');
    expect(dec.decode(b.subarray(0, trimTrailer(b, 0, b.length)))).toBe('<1>x ');
    expect(trimTrailer(enc.encode('\n\n'), 0, 2)).toBe(0);
  });
});

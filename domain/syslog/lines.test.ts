import { describe, expect, test } from 'bun:test';
import { splitLines } from './lines.ts';

async function* chunksOf(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

async function collect(source: AsyncIterable<Uint8Array>, max?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of splitLines(source, max)) out.push(...batch);
  return out;
}

describe('splitLines', () => {
  test('joins lines across chunks and trims CRLF', async () => {
    expect(await collect(chunksOf('a\r\nb', 'c\nd', '\r\n', 'tail'))).toEqual(['a', 'bc', 'd', 'tail']);
  });

  test('keeps multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('grüße\n');
    expect(await collect(chunksOf(bytes.slice(0, 3), bytes.slice(3)))).toEqual(['grüße']);
  });

  test('invalid UTF-8 becomes U+FFFD for the parser to refuse', async () => {
    expect(await collect(chunksOf(new Uint8Array([0x61, 0xff, 0x62, 0x0a])))).toEqual(['a\uFFFDb']);
  });

  test('an endless line is cut once and skipped, in bounded memory', async () => {
    const lines = await collect(chunksOf('x'.repeat(100), 'y'.repeat(100), 'z'.repeat(100), '\nnext\n'), 150);
    expect(lines).toEqual(['x'.repeat(100) + 'y'.repeat(50), 'next']);
  });

  test('empty input yields nothing', async () => {
    expect(await collect(chunksOf())).toEqual([]);
  });
});

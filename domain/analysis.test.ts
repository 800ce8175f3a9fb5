import { describe, expect, test } from 'bun:test';
import { Analysis } from './analysis.ts';

const line = (o: {
  t?: string;
  sgt?: number;
  dgt?: number;
  proto?: string;
  sp?: number;
  dp?: number;
  hits?: number;
  src?: string;
  dst?: string;
  action?: string;
  host?: string;
}) =>
  `${o.t ?? '2026-06-18T10:17:22.205Z'} ${o.host ?? 'sw01'} 1: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='acl' action='${o.action ?? 'Permit'}' ` +
  `protocol='${o.proto ?? 'tcp'}' src-ip='${o.src ?? '10.0.0.1'}' src-port='${o.sp ?? 50000}' dest-ip='${o.dst ?? '10.0.1.1'}' ` +
  `dest-port='${o.dp ?? 443}' sgt='${o.sgt ?? 10}' dgt='${o.dgt ?? 20}' logging_interval_hits='${o.hits ?? 1}'`;

const REF = Date.UTC(2026, 6, 1);

describe('Analysis', () => {
  test('aggregates by flow key with port buckets', () => {
    const a = new Analysis({ referenceMs: REF });
    a.addLines([
      line({ sp: 50000, hits: 3 }),
      line({ sp: 60000, hits: 4, src: '10.0.0.2' }),
      line({ sp: 123, dp: 123, proto: 'udp' }),
      line({ proto: 'icmp', sp: 8, dp: 0, action: 'Deny', hits: 2 }),
      line({ sp: 0, dp: 0, proto: '47' }),
    ]);
    const { flows, stats } = a.result();
    expect(flows.map((f) => f.id)).toEqual([
      '10-20-tcp-any-443',
      '10-20-icmp-any-any',
      '10-20-47-any-any',
      '10-20-udp-123-123',
    ]);
    expect(flows[0]).toMatchObject({
      hits: 7,
      events: 2,
      srcSamples: ['10.0.0.1', '10.0.0.2'],
      dstSamples: ['10.0.1.1'],
      permitHits: 7,
      denyHits: 0,
    });
    expect(flows[1]).toMatchObject({ denyHits: 2, permitHits: 0 });
    expect(stats).toMatchObject({ linesRead: 5, events: 5, hits: 11, rejectedTotal: 0, tagsSeen: [10, 20] });
  });

  test('first/last seen, distinct days, capped samples and places', () => {
    const a = new Analysis({ referenceMs: REF });
    const days = [
      '2026-06-16T23:00:00Z',
      '2026-06-17T01:00:00Z',
      '2026-06-17T02:00:00Z',
      '2026-06-18T00:00:00Z',
    ];
    a.addLines(days.map((t, i) => line({ t, src: `10.0.0.${i}`, host: `sw0${i}` })));
    a.addLines(Array.from({ length: 10 }, (_, i) => line({ src: `10.9.0.${i}` })));
    const [flow] = a.result().flows;
    expect(flow?.firstSeenMs).toBe(Date.parse(days[0]!));
    expect(flow?.lastSeenMs).toBe(Date.parse('2026-06-18T10:17:22.205Z'));
    expect(flow?.daysSeen).toBe(3);
    expect(flow?.srcSamples).toHaveLength(5);
    expect(flow?.switches).toEqual(['sw00', 'sw01', 'sw02', 'sw03']);
  });

  test('the time window filters, and every refused line is counted with its reason and first line', () => {
    const a = new Analysis({
      referenceMs: REF,
      sinceMs: Date.parse('2026-06-18T00:00:00Z'),
      untilMs: Date.parse('2026-06-19T00:00:00Z'),
    });
    a.addLines([
      line({ t: '2026-06-17T10:00:00Z' }),
      line({}),
      'hello world',
      '',
      line({ sgt: 70000 }),
      line({ dp: 99999 }),
      line({ sgt: 70001 }),
    ]);
    const { stats, flows } = a.result();
    expect(flows).toHaveLength(1);
    expect(stats).toMatchObject({
      linesRead: 7,
      events: 1,
      outsideWindow: 1,
      notSgaclHit: 1,
      rejectedTotal: 3,
      rejected: {
        tag_out_of_range: { count: 2, firstLine: 5 },
        port_out_of_range: { count: 1, firstLine: 6 },
      },
    });
  });
});

describe('Analysis from bytes', () => {
  const lines = [
    line({}),
    line({ sgt: 70000 }),
    'hello world',
    '',
    line({ src: '10.0.0.9', host: 'sw-zürich' }),
    line({ dp: 99999 }),
    `${line({ sgt: 11 })}\r`,
    line({ t: '2026-06-17T10:00:00Z', sgt: 12 }),
  ];
  const text = `${lines.join('\n')}\n`;
  const bytes = new TextEncoder().encode(text);

  function fromChunks(cut: (n: number) => number): ReturnType<Analysis['result']> {
    const a = new Analysis({ referenceMs: REF });
    for (let i = 0; i < bytes.length; ) {
      const next = Math.min(bytes.length, i + cut(i));
      a.addChunk(bytes.subarray(i, next));
      i = next;
    }
    a.finish();
    return a.result();
  }

  test('any chunking gives the result of the same lines as strings, CRLF trimmed', () => {
    const expected = new Analysis({ referenceMs: REF });
    expected.addLines(lines.map((l) => l.replace(/\r$/, '')));
    const want = expected.result();
    expect(want.stats).toMatchObject({ linesRead: 8, events: 4, notSgaclHit: 1, rejectedTotal: 2 });
    for (const size of [1, 2, 3, 7, 64, 333, 4096]) expect(fromChunks(() => size)).toEqual(want);
    let seed = 5;
    for (let round = 0; round < 50; round++) {
      const got = fromChunks(() => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return 1 + (seed % 200);
      });
      expect(got).toEqual(want);
    }
  });

  test('a line cut inside a multi-byte character still parses', () => {
    const cut = text.indexOf('ü') + 1; // inside the two bytes of ü
    const byteCut = new TextEncoder().encode(text.slice(0, cut - 1)).length + 1;
    const a = new Analysis({ referenceMs: REF });
    a.addChunk(bytes.subarray(0, byteCut));
    a.addChunk(bytes.subarray(byteCut));
    a.finish();
    const flow = a.result().flows.find((f) => f.switches.includes('sw-zürich'));
    expect(flow?.srcSamples).toContain('10.0.0.9');
  });

  test('invalid UTF-8 and NUL in an otherwise clean chunk are refused with their line numbers', () => {
    const good = `${line({})}\n`.repeat(3000);
    const bad = new TextEncoder().encode(line({ src: '10.0.0.X' }));
    bad[bad.indexOf(0x58)] = 0xff; // X → an invalid byte
    const nul = new TextEncoder().encode(line({ src: '10.0.0.N' }));
    nul[nul.indexOf(0x4e)] = 0x00;
    const chunk = new Uint8Array([
      ...new TextEncoder().encode(good),
      ...bad,
      0x0a,
      ...new TextEncoder().encode(good),
      ...nul,
      0x0a,
      ...new TextEncoder().encode(good),
    ]);
    const a = new Analysis({ referenceMs: REF });
    a.addChunk(chunk);
    a.finish();
    expect(a.result().stats).toMatchObject({
      linesRead: 9002,
      events: 9000,
      rejected: { invalid_utf8: { count: 1, firstLine: 3001 }, nul_byte: { count: 1, firstLine: 6002 } },
    });
  });

  test('a line over 64 KB is refused once as too long, whatever the chunks, and counting goes on', () => {
    const huge = `${line({})} pad='${'x'.repeat(70_000)}'`;
    const input = new TextEncoder().encode(`${line({})}\n${huge}\n${line({})}\n`);
    for (const size of [input.length, 50_000, 4096]) {
      const a = new Analysis({ referenceMs: REF });
      for (let i = 0; i < input.length; i += size) a.addChunk(input.subarray(i, i + size));
      a.finish();
      expect(a.result().stats).toMatchObject({
        linesRead: 3,
        events: 2,
        rejected: { too_long: { count: 1, firstLine: 2 } },
      });
    }
  });

  test('sources end cleanly: a last line without newline is not glued to the next source', () => {
    const a = new Analysis({ referenceMs: REF });
    a.addChunk(new TextEncoder().encode(line({ sgt: 1 })));
    a.nextSource(REF);
    a.addChunk(new TextEncoder().encode(line({ sgt: 2 })));
    a.finish();
    expect(a.result().stats).toMatchObject({ linesRead: 2, events: 2, tagsSeen: [1, 2, 20] });
  });

  test('strings carry invalid input as U+FFFD: refused like the bytes', () => {
    const a = new Analysis({ referenceMs: REF });
    a.addLines([line({ src: '10.0.0.\uFFFD' })]);
    expect(a.result().stats.rejected).toEqual({ invalid_utf8: { count: 1, firstLine: 1 } });
  });

  test('random bytes in random chunks never throw, and every line is counted', () => {
    let seed = 9;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const sample = new TextEncoder().encode(`${line({})}\n`);
    for (let round = 0; round < 200; round++) {
      // Real lines with bytes overwritten (newlines, quotes, NUL, high bytes) and cut short.
      const input = new Uint8Array(sample.length * 4);
      for (let k = 0; k < 4; k++) input.set(sample, k * sample.length);
      for (let n = rand() % 40; n > 0; n--)
        input[rand() % input.length] = [10, 13, 39, 32, 0, 0xff, 0xc3, 61][rand() % 8]!;
      const cut = input.subarray(0, input.length - (rand() % 50));
      const a = new Analysis({ referenceMs: REF });
      for (let i = 0; i < cut.length; ) {
        const next = Math.min(cut.length, i + 1 + (rand() % 300));
        a.addChunk(cut.subarray(i, next));
        i = next;
      }
      a.finish();
      const text = new TextDecoder().decode(cut);
      const expected = text.split('\n').length - (text.endsWith('\n') || text.length === 0 ? 1 : 0);
      expect(a.result().stats.linesRead).toBe(expected);
    }
  });
});

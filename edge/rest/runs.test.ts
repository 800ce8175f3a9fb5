/** REST /api/v1/runs on both engines, plus the streaming multipart reader and the record budget. */
import { afterEach, describe, expect, test } from 'bun:test';
import { type CorpusTruth, corpusLines, emptyTruth } from '../../bench/support/corpus.ts';
import { OUTPUT_MEDIA, OutputFormat } from '../../domain/render/mod.ts';
import { appWithRouter, startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectProblem } from '../../test/support/rest-api.ts';
import { MultipartReader } from './multipart.ts';
import { runRecord } from './run-result.ts';
import { type RunSummary, runsRoutes } from './runs.ts';

const gzip = async (data: string): Promise<Uint8Array<ArrayBuffer>> =>
  new Uint8Array(
    await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
  );

function corpus(count = 3_000, seed = 7): { text: string; truth: CorpusTruth } {
  const truth = emptyTruth();
  const text = `${[...corpusLines(count, truth, seed)].join('\n')}\n`;
  return { text, truth };
}

interface MatrixJson {
  sgts: { tag: number; name: string; known: boolean }[];
  contracts: { sgt: number; dgt: number; hits: number }[];
  flows: unknown[];
}

const pairHits = (m: MatrixJson) =>
  Object.fromEntries(m.contracts.map((c) => [`${c.sgt}-${c.dgt}`, c.hits]).sort());
const truthHits = (t: CorpusTruth) => Object.fromEntries([...t.hitsByPair].sort());

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST runs on ${flavour.name}`, () => {
    let te: TestEngine;
    let api: TestApi;
    afterEach(async () => te?.dispose());

    async function setup(): Promise<TestApi> {
      te = await flavour.open();
      api = await startApi(te);
      return api;
    }

    const post = (
      body: BodyInit,
      headers: Record<string, string> = {},
      query = '',
      token: string = TOKENS.operator,
    ) => api.request(`/api/v1/runs${query}`, { method: 'POST', body, headers, token });

    async function matrixOf(id: string): Promise<MatrixJson> {
      const res = await api.request(`/api/v1/runs/${id}/matrix?format=json`, { token: TOKENS.viewer });
      expect(res.status).toBe(200);
      return (await res.json()) as MatrixJson;
    }

    test('a text upload: 201, stored, its matrix hits per tag pair are the generator truth', async () => {
      await setup();
      const { text, truth } = corpus();
      const res = await post(text, { 'content-type': 'text/plain' }, '?classifier=heuristic');
      expect(res.status).toBe(201);
      const run = (await res.json()) as RunSummary;
      expect(res.headers.get('location')).toBe(`/api/v1/runs/${run.id}`);
      expect(run).toMatchObject({
        status: 'done',
        truncated: false,
        sources: [{ name: 'body', gzip: false }],
      });
      expect(run.stats.events).toBe(truth.sgaclLines);
      expect(run.stats.notSgaclHit).toBe(truth.otherLines);
      expect(run.flows).toBeGreaterThan(0);
      expect(run.contracts).toBe(truth.hitsByPair.size);
      expect(run.missingSgts.length).toBeGreaterThan(0);

      const meta = await api.request(`/api/v1/runs/${run.id}`, { token: TOKENS.viewer });
      expect(meta.status).toBe(200);
      expect(await meta.json()).toEqual(run);
      expect(pairHits(await matrixOf(run.id))).toEqual(truthHits(truth));
    });

    test('gzip by Content-Encoding, by media type and by magic bytes alone', async () => {
      await setup();
      const { text, truth } = corpus(2_000, 11);
      const packed = await gzip(text);
      const variants: Record<string, string>[] = [
        { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
        { 'content-type': 'application/gzip' },
        { 'content-type': 'application/octet-stream' },
      ];
      for (const headers of variants) {
        const res = await post(packed, headers);
        expect(res.status).toBe(201);
        const run = (await res.json()) as RunSummary;
        expect([headers, run.sources[0]?.gzip]).toEqual([headers, true]);
        expect(run.stats.events).toBe(truth.sgaclLines);
        expect(pairHits(await matrixOf(run.id))).toEqual(truthHits(truth));
      }
    });

    test('multipart: files (one gzipped) and an sgt dictionary over the tenant dictionary', async () => {
      await setup();
      const a = corpus(1_500, 3);
      const b = corpus(1_500, 4);
      const names = await api.request('/api/v1/sgts/import', {
        method: 'POST',
        token: TOKENS.admin,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 100: 'Tenant100', 200: 'Tenant200' }),
      });
      expect(names.status).toBe(200);
      const form = new FormData();
      form.append('file', new Blob([a.text], { type: 'text/plain' }), 'a.log');
      form.append('file', new Blob([await gzip(b.text)], { type: 'application/gzip' }), 'b.log.gz');
      form.append(
        'sgt',
        new Blob(['id,name\n200,Upload200\n300,Upload300\n'], { type: 'text/csv' }),
        'sgt.csv',
      );
      const res = await post(form);
      expect(res.status).toBe(201);
      const run = (await res.json()) as RunSummary;
      expect(run.sources.map((s) => [s.name, s.gzip])).toEqual([
        ['a.log', false],
        ['b.log.gz', true],
      ]);
      expect(run.missingSgts).not.toContain(100);
      expect(run.missingSgts).not.toContain(300);
      const truth = emptyTruth();
      for (const t of [a.truth, b.truth]) {
        for (const [k, n] of t.hitsByPair) truth.hitsByPair.set(k, (truth.hitsByPair.get(k) ?? 0) + n);
      }
      const matrix = await matrixOf(run.id);
      expect(pairHits(matrix)).toEqual(truthHits(truth));
      const name = (tag: number) => matrix.sgts.find((s) => s.tag === tag)?.name;
      expect([name(100), name(200), name(300)]).toEqual(['Tenant100', 'Upload200', 'Upload300']);
    });

    test('every output format, with its media type and a file name', async () => {
      await setup();
      const res = await post(corpus(500).text);
      const { id } = (await res.json()) as RunSummary;
      for (const format of Object.values(OutputFormat)) {
        const r = await api.request(`/api/v1/runs/${id}/matrix?format=${format}&mode=enforce`, {
          token: TOKENS.viewer,
        });
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toBe(OUTPUT_MEDIA[format].mediaType);
        expect(r.headers.get('content-disposition')).toBe(
          `attachment; filename="scopilot-run-${id}.${OUTPUT_MEDIA[format].extension}"`,
        );
        expect((await r.text()).length).toBeGreaterThan(0);
      }
    });

    test('since / until window the events', async () => {
      await setup();
      const line = (day: number) =>
        `<190>1 2026-06-${day}T10:00:00.000Z sw1 - - - - %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' ` +
        `sgacl_name='x' action='Permit' protocol='tcp' src-ip='10.0.0.1' src-port='40000' ` +
        `dest-ip='10.0.1.1' dest-port='443' sgt='10' dgt='20' logging_interval_hits='5'`;
      const text = [18, 19, 20].map(line).join('\n');
      const res = await post(text, {}, '?since=2026-06-19T00:00:00Z&until=2026-06-19T23:59:59Z');
      expect(res.status).toBe(201);
      const run = (await res.json()) as RunSummary;
      expect(run.stats).toMatchObject({ events: 1, hits: 5, outsideWindow: 2 });
      expect(run.params).toEqual({
        since: '2026-06-19T00:00:00.000Z',
        until: '2026-06-19T23:59:59.000Z',
        classifier: 'auto',
      });
      const relative = await post(text, {}, '?since=7d');
      expect(((await relative.json()) as RunSummary).stats.outsideWindow).toBe(3);
    });

    test('401 without or with a bad token, 403 for a viewer, 404 for another tenant', async () => {
      await setup();
      await expectProblem(await post('x', {}, '', ''), 401);
      await expectProblem(await post('x', {}, '', 'not-a-token'), 401);
      await expectProblem(await post('x', {}, '', TOKENS.viewer), 403);
      const { id } = (await (await post(corpus(200).text)).json()) as RunSummary;
      await expectProblem(await api.request(`/api/v1/runs/${id}`), 401);
      await expectProblem(await api.request(`/api/v1/runs/${id}/matrix`, { token: 'nope' }), 401);
      await expectProblem(await api.request(`/api/v1/runs/${id}`, { token: TOKENS.other }), 404);
      await expectProblem(await api.request(`/api/v1/runs/${id}/matrix`, { token: TOKENS.other }), 404);
      await expectProblem(await api.request('/api/v1/runs/no-such-run', { token: TOKENS.viewer }), 404);
      await expectProblem(await api.request('/api/v1/runs/bad%20id/matrix', { token: TOKENS.viewer }), 404);
    });

    test('bad input: 400 / 415 problems', async () => {
      await setup();
      const text = corpus(50).text;
      await expectProblem(await post(text, {}, '?classifier=claude'), 400);
      await expectProblem(await post(text, {}, '?since=yesterday'), 400);
      await expectProblem(await post(text, {}, '?since=2026-06-20&until=2026-06-19'), 400);
      await expectProblem(await post(''), 400);
      await expectProblem(await post(text, { 'content-encoding': 'gzip' }), 400);
      await expectProblem(await post(text, { 'content-encoding': 'br' }), 415);
      await expectProblem(await post(text, { 'content-type': 'application/json' }), 415);
      const noFile = new FormData();
      noFile.append('sgt', '{"5": "Five"}');
      await expectProblem(await post(noFile), 400);
      const badSgt = new FormData();
      badSgt.append('file', new Blob([text]), 'x.log');
      badSgt.append('sgt', '{"70000": "Nope"}');
      await expectProblem(await post(badSgt), 400);
      const other = new FormData();
      other.append('file', new Blob([text]), 'x.log');
      other.append('extra', 'x');
      await expectProblem(await post(other), 400);
      const truncated = `--b\r\ncontent-disposition: form-data; name="file"\r\n\r\n${text}`;
      await expectProblem(await post(truncated, { 'content-type': 'multipart/form-data; boundary=b' }), 400);
      const { id } = (await (await post(text)).json()) as RunSummary;
      for (const q of ['format=pdf', 'mode=live']) {
        await expectProblem(
          await api.request(`/api/v1/runs/${id}/matrix?${q}`, { token: TOKENS.viewer }),
          400,
        );
      }
    });

    test('413 past the upload limit: declared, streamed, and inflated from a small gzip', async () => {
      te = await flavour.open();
      const app = await appWithRouter(te, '/runs', (deps) => runsRoutes(deps, { maxBodyBytes: 4_096 }));
      const send = (body: BodyInit, headers: Record<string, string> = {}) =>
        app.request('http://api.test/api/v1/runs', {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${TOKENS.operator}`, ...headers },
        });
      const big = corpus(100).text;
      expect(big.length).toBeGreaterThan(4_096);
      await expectProblem(await send(big, { 'content-length': String(big.length) }), 413);
      await expectProblem(await send(new Blob([big]).stream()), 413);
      const bomb = await gzip('x'.repeat(200_000));
      expect(bomb.byteLength).toBeLessThan(4_096);
      await expectProblem(await send(bomb, { 'content-type': 'application/gzip' }), 413);
      const form = new FormData();
      form.append('file', new Blob([big]), 'big.log');
      await expectProblem(await send(form), 413);
      expect((await send(corpus(10).text)).status).toBe(201);
    });
  });
}

describe('multipart reader', () => {
  test('parts come out whole whatever the chunking, down to one byte at a time', async () => {
    const body =
      'preamble\r\n--XyZ\r\ncontent-disposition: form-data; name="file"; filename="a \\"q\\".log"\r\n' +
      'content-type: text/plain\r\n\r\nline 1\r\n-XyZ\r\nline --XyZ 2\r\n' +
      '--XyZ\r\nContent-Disposition: form-data; name=sgt\r\n\r\n{}\r\n--XyZ--\r\nepilogue';
    const bytes = new TextEncoder().encode(body);
    for (const size of [1, 2, 7, 64, bytes.length]) {
      const chunks = (async function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
      })();
      const reader = new MultipartReader(chunks, 'XyZ');
      const parts: [string, string | null, string][] = [];
      for (let p = await reader.next(); p !== null; p = await reader.next()) {
        let text = '';
        const decoder = new TextDecoder();
        for await (const c of reader.body()) text += decoder.decode(c, { stream: true });
        parts.push([p.name, p.filename, text]);
      }
      expect(parts).toEqual([
        ['file', 'a "q".log', 'line 1\r\n-XyZ\r\nline --XyZ 2'],
        ['sgt', null, '{}'],
      ]);
    }
  });

  test('a boundary followed by other text is refused', async () => {
    const bytes = new TextEncoder().encode('--XyZ-junk\r\nname: x\r\n\r\nbody\r\n--XyZ--');
    const reader = new MultipartReader(
      (async function* () {
        yield bytes;
      })(),
      'XyZ',
    );
    await expect(reader.next()).rejects.toMatchObject({ status: 400 });
  });
});

describe('run record budget', () => {
  test('flows are kept busiest first until the budget; contracts stay whole', () => {
    const flow = (i: number) => ({
      id: `10-20-tcp-any-${i}`,
      sgt: 10,
      dgt: 20,
      protocol: 'tcp',
      srcPort: 'any' as const,
      dstPort: i,
      hits: i,
      events: 1,
      firstSeenMs: 0,
      lastSeenMs: 0,
      daysSeen: 1,
      srcSamples: ['10.0.0.1'],
      dstSamples: ['10.0.0.2'],
      permitHits: i,
      denyHits: 0,
      switches: [],
      interfaces: [],
      sgaclNames: [],
    });
    const flows = Array.from({ length: 3_000 }, (_, i) => flow(i + 1));
    const head = {
      id: 'r1',
      tenant: 'acme',
      status: 'done' as const,
      createdAt: new Date(0).toISOString(),
      createdBy: 'test',
      params: { since: null, until: null, classifier: 'heuristic' as const },
      sources: [],
      stats: {
        linesRead: 0,
        events: 0,
        hits: 0,
        notSgaclHit: 0,
        outsideWindow: 0,
        rejected: {},
        rejectedTotal: 0,
        tagsSeen: [],
      },
      flowCount: flows.length,
      contractCount: 0,
      missingSgts: [],
      sgtNames: [],
    };
    const all = runRecord(head, { flows, classifications: [], contracts: [] });
    expect(all.flows.length).toBe(2_000);
    expect(all.truncated).toBe(true);
    expect(all.flows[0]?.hits).toBe(3_000);
    const small = runRecord(head, { flows, classifications: [], contracts: [] }, 20_000);
    expect(small.flows.length).toBeLessThan(200);
    expect(JSON.stringify(small).length).toBeLessThanOrEqual(20_000);
    const few = runRecord(head, { flows: flows.slice(0, 10), classifications: [], contracts: [] });
    expect(few.truncated).toBe(false);
  });
});

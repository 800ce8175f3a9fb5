/** REST /api/v1/ingest on both engines: lines in, flows.observed deltas out, once per Idempotency-Key. */
import { afterEach, describe, expect, test } from 'bun:test';
import { corpusLines, emptyTruth } from '../../bench/support/corpus.ts';
import { StreamName, streamName, subjectsFor } from '../../streams/mod.ts';
import { appWithRouter, startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectProblem } from '../../test/support/rest-api.ts';
import { type IngestResult, ingestRoutes } from './ingest.ts';

const line = (sgt: number, dgt: number, port: number, hits = 1) =>
  `<190>1 2026-06-18T10:00:00.000Z sw1 - - - - %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' ` +
  `sgacl_name='x' action='Permit' protocol='tcp' src-ip='10.0.0.1' src-port='40000' ` +
  `dest-ip='10.0.1.1' dest-port='${port}' sgt='${sgt}' dgt='${dgt}' logging_interval_hits='${hits}'`;

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST ingest on ${flavour.name}`, () => {
    let te: TestEngine;
    let api: TestApi;
    afterEach(async () => te?.dispose());

    async function setup(): Promise<TestApi> {
      te = await flavour.open();
      api = await startApi(te);
      return api;
    }

    const post = (body: BodyInit, headers: Record<string, string> = {}, token: string = TOKENS.operator) =>
      api.request('/api/v1/ingest', { method: 'POST', body, headers, token });

    /** Stored flows.observed deltas of a tenant. */
    async function stored(tenant: string): Promise<number> {
      const filterSubject = subjectsFor(te.ns).flowsObservedAll(tenant);
      let n = 0;
      for await (const _ of te.engine.log.replay(streamName(StreamName.Flows, te.ns), { filterSubject })) n++;
      return n;
    }

    test('text lines: 202 with counts; the same Idempotency-Key stores the deltas once', async () => {
      await setup();
      const text = [
        line(10, 20, 443, 3),
        line(10, 20, 443, 4),
        line(10, 30, 22),
        'garbage',
        '%SYS-5-X: hi',
      ].join('\r\n');
      const headers = { 'content-type': 'text/plain', 'idempotency-key': 'batch-1' };
      const res = await post(text, headers);
      expect(res.status).toBe(202);
      const body = (await res.json()) as IngestResult;
      expect(body).toEqual({ origin: 'batch-1', lines: 5, events: 3, rejected: {}, deltas: 2 });
      expect(await stored('acme')).toBe(2);
      expect((await post(text, headers)).status).toBe(202);
      expect(await stored('acme')).toBe(2);
      expect((await post(text, { 'content-type': 'text/plain' })).status).toBe(202);
      expect(await stored('acme')).toBe(4);
      expect(await stored('globex')).toBe(0);
    });

    test('JSON {lines}: rejected lines are counted by reason', async () => {
      await setup();
      const bad = line(10, 20, 443).replace("sgt='10'", "sgt='99999'");
      const res = await post(JSON.stringify({ lines: [line(1, 2, 80), bad] }), {
        'content-type': 'application/json',
      });
      expect(res.status).toBe(202);
      const body = (await res.json()) as IngestResult;
      expect(body).toMatchObject({ lines: 2, events: 1, deltas: 1 });
      expect(Object.values(body.rejected)).toEqual([1]);
      expect(body.origin).toMatch(/^[-0-9a-f]{36}$/);
    });

    test('a large text body is ingested in batches, with every event', async () => {
      await setup();
      const truth = emptyTruth();
      const text = [...corpusLines(40_000, truth, 5)].join('\n');
      expect(text.length).toBeGreaterThan(4 << 20);
      const res = await post(new Blob([text]).stream(), { 'content-type': 'text/plain' });
      expect(res.status).toBe(202);
      const body = (await res.json()) as IngestResult;
      expect(body.lines).toBe(40_000);
      expect(body.events).toBe(truth.sgaclLines);
    });

    test('401, 403 for a viewer', async () => {
      await setup();
      await expectProblem(await post(line(1, 2, 3), {}, ''), 401);
      await expectProblem(await post(line(1, 2, 3), {}, 'wrong-token'), 401);
      await expectProblem(await post(line(1, 2, 3), {}, TOKENS.viewer), 403);
      expect((await post(line(1, 2, 3), {}, TOKENS.admin)).status).toBe(202);
    });

    test('bad input: 400 / 415 problems', async () => {
      await setup();
      const json = { 'content-type': 'application/json' };
      await expectProblem(await post('{nope', json), 400);
      await expectProblem(await post(JSON.stringify({ lines: [] }), json), 400);
      await expectProblem(await post(JSON.stringify({ lines: [1, 2] }), json), 400);
      await expectProblem(await post(JSON.stringify({ line: 'x' }), json), 400);
      await expectProblem(await post('', { 'content-type': 'text/plain' }), 400);
      await expectProblem(await post(line(1, 2, 3), { 'idempotency-key': 'has space' }), 400);
      await expectProblem(await post(line(1, 2, 3), { 'content-type': 'application/xml' }), 415);
    });

    test('413: JSON over 1 MiB, text over the (injected) limit, declared or streamed', async () => {
      await setup();
      const huge = JSON.stringify({ lines: ['x'.repeat((1 << 20) + 10)] });
      await expectProblem(await post(huge, { 'content-type': 'application/json' }), 413);
      const app = await appWithRouter(te, '/ingest', (deps) => ingestRoutes(deps, { maxTextBytes: 1_000 }));
      const text = Array.from({ length: 10 }, (_, i) => line(1, 2, i + 1)).join('\n');
      const send = (body: BodyInit, headers: Record<string, string>) =>
        app.request('http://api.test/api/v1/ingest', {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'text/plain', ...headers },
        });
      await expectProblem(await send(text, { 'content-length': String(text.length) }), 413);
      await expectProblem(await send(new Blob([text]).stream(), {}), 413);
      expect((await send(line(1, 2, 3), {})).status).toBe(202);
    });
  });
}

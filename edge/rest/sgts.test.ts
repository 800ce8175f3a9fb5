/** REST /api/v1/sgts on both engines: list, name, import, missing; per tenant. */
import { afterEach, describe, expect, test } from 'bun:test';
import { type InventoryRecord, keys } from '../../kv-schema/mod.ts';
import { startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectProblem } from '../../test/support/rest-api.ts';
import { type MissingSgt, SGT_IMPORT_LIMIT, type SgtEntry } from './sgts.ts';

const flow = (sgt: number, dgt: number, hits: number): InventoryRecord => ({
  flowId: `${sgt}-${dgt}-tcp-any-443`,
  sgt,
  dgt,
  protocol: 'tcp',
  srcPort: 'any',
  dstPort: 443,
  hits,
  events: 1,
  firstSeenMs: 0,
  lastSeenMs: 0,
  days: [],
  srcSamples: [],
  dstSamples: [],
  permitHits: hits,
  denyHits: 0,
  unknownAt: null,
  rev: 1,
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST sgts on ${flavour.name}`, () => {
    let te: TestEngine;
    let api: TestApi;
    afterEach(async () => te?.dispose());

    async function setup(): Promise<TestApi> {
      te = await flavour.open();
      api = await startApi(te);
      return api;
    }

    const put = (tag: string, body: unknown, token: string = TOKENS.admin) =>
      api.request(`/api/v1/sgts/${tag}`, {
        method: 'PUT',
        token,
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const importBody = (body: string, type: string, token: string = TOKENS.admin) =>
      api.request('/api/v1/sgts/import', { method: 'POST', token, headers: { 'content-type': type }, body });
    const list = async (token: string = TOKENS.viewer) =>
      (await (await api.request('/api/v1/sgts', { token })).json()) as SgtEntry[];

    test('PUT names a tag for its tenant only, with who and when', async () => {
      await setup();
      const res = await put('100', { name: '  Employees ' });
      expect(res.status).toBe(200);
      const entry = (await res.json()) as SgtEntry;
      expect(entry).toMatchObject({ tag: 100, name: 'Employees' });
      expect(entry.updatedBy).toMatch(/^key:[0-9a-f]{8}$/);
      expect(Date.parse(entry.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(await list()).toEqual([entry]);
      expect(await list(TOKENS.other)).toEqual([]);
      expect((await put('100', { name: 'Staff' })).status).toBe(200);
      expect((await list()).map((e) => e.name)).toEqual(['Staff']);
    });

    test('classes: inferred with a confidence, set explicitly, kept on rename, cleared with null, imported from a column', async () => {
      await setup();
      const inferred = (await (await put('30', { name: 'L2_HMI_Line3' })).json()) as SgtEntry;
      expect(inferred.classified).toMatchObject({ class: 'ot.hmi', source: 'inferred' });
      expect(inferred.classified.confidence).toBeGreaterThan(0.6);
      const set = (await (await put('31', { name: 'Cell 7', class: 'ot.plc' })).json()) as SgtEntry;
      expect(set).toMatchObject({
        class: 'ot.plc',
        classified: { class: 'ot.plc', source: 'explicit', confidence: 1 },
      });
      expect(((await (await put('31', { name: 'Cell 7b' })).json()) as SgtEntry).class).toBe('ot.plc');
      expect(
        ((await (await put('31', { name: 'Cell 7b', class: null })).json()) as SgtEntry).class,
      ).toBeUndefined();
      expect((await put('31', { name: 'x', class: 'spaceship' })).status).toBe(400);
      const r = await importBody('id,name,class\n40,Pumps,clinical.device\n41,Staff_Desktops,\n', 'text/csv');
      expect(await r.json()).toEqual({ imported: 2, classes: 1 });
      const byTag = new Map((await list()).map((e) => [e.tag, e]));
      expect(byTag.get(40)?.classified).toMatchObject({ class: 'clinical.device', source: 'explicit' });
      expect(byTag.get(41)?.classified.source).toBe('inferred');
      expect((await importBody('id,name,class\n42,X,spaceship\n', 'text/csv')).status).toBe(400);
    });

    test('import: JSON object, JSON list, CSV and ISE export; listed in tag order', async () => {
      await setup();
      const a = await importBody(JSON.stringify({ 20: 'Servers', 10: 'Users' }), 'application/json');
      expect(a.status).toBe(200);
      expect(await a.json()).toEqual({ imported: 2 });
      const b = await importBody(JSON.stringify([{ id: 30, name: 'Printers' }]), 'application/json');
      expect(await b.json()).toEqual({ imported: 1 });
      const c = await importBody('id,name\n40,"Cameras, IP"\n0,Untagged\n', 'text/csv');
      expect(await c.json()).toEqual({ imported: 2 });
      const d = await importBody('Name,Value,Description\nGuests,50/0032,x\n', 'text/csv');
      expect(await d.json()).toEqual({ imported: 1 });
      expect((await list()).map((e) => [e.tag, e.name])).toEqual([
        [0, 'Untagged'],
        [10, 'Users'],
        [20, 'Servers'],
        [30, 'Printers'],
        [40, 'Cameras, IP'],
        [50, 'Guests'],
      ]);
      expect(await list(TOKENS.other)).toEqual([]);
    });

    test('missing: tags of the tenant inventory without a name, with flows and hits', async () => {
      await setup();
      for (const f of [flow(10, 20, 5), flow(10, 30, 7), flow(0, 30, 1), flow(40, 40, 2)]) {
        await api.stores.inventory.put(keys.inventory('acme', f.flowId), f);
      }
      await api.stores.inventory.put(keys.inventory('globex', '77-78-tcp-any-443'), flow(77, 78, 1));
      expect((await put('20', { name: 'Servers' })).status).toBe(200);
      const res = await api.request('/api/v1/sgts/missing', { token: TOKENS.viewer });
      expect(res.status).toBe(200);
      expect((await res.json()) as MissingSgt[]).toEqual([
        { tag: 10, flows: 2, hits: 12 },
        { tag: 30, flows: 2, hits: 8 },
        { tag: 40, flows: 1, hits: 2 },
      ]);
      const other = await api.request('/api/v1/sgts/missing', { token: TOKENS.other });
      expect(((await other.json()) as MissingSgt[]).map((m) => m.tag)).toEqual([77, 78]);
    });

    test('401 without or with a bad token; 403 below admin for changes', async () => {
      await setup();
      for (const path of ['/api/v1/sgts', '/api/v1/sgts/missing']) {
        await expectProblem(await api.request(path), 401);
        await expectProblem(await api.request(path, { token: 'bad-token' }), 401);
      }
      await expectProblem(await put('1', { name: 'x' }, ''), 401);
      await expectProblem(await put('1', { name: 'x' }, TOKENS.operator), 403);
      await expectProblem(await put('1', { name: 'x' }, TOKENS.viewer), 403);
      await expectProblem(await importBody('{"1":"x"}', 'application/json', 'bad-token'), 401);
      await expectProblem(await importBody('{"1":"x"}', 'application/json', TOKENS.operator), 403);
      expect(await list()).toEqual([]);
    });

    test('bad input: 400 problems', async () => {
      await setup();
      await expectProblem(await put('65536', { name: 'x' }), 400);
      await expectProblem(await put('abc', { name: 'x' }), 400);
      await expectProblem(await put('1', { name: '' }), 400);
      await expectProblem(await put('1', { name: '   ' }), 400);
      await expectProblem(await put('1', { name: 'a\u0007b' }), 400);
      await expectProblem(await put('1', { name: 'x'.repeat(129) }), 400);
      await expectProblem(await put('1', { label: 'x' }), 400);
      await expectProblem(await put('1', '{oops'), 400);
      await expectProblem(await importBody('{oops', 'application/json'), 400);
      await expectProblem(await importBody('{"70000": "x"}', 'application/json'), 400);
      await expectProblem(await importBody('[{"id": 1}]', 'application/json'), 400);
      await expectProblem(await importBody('tag\n1\n', 'text/csv'), 400);
      await expectProblem(await importBody('', 'text/csv'), 400);
      expect(await list()).toEqual([]);
    });

    test('413 for a dictionary over the import limit or a PUT over 1 MiB', async () => {
      await setup();
      const big = `id,name\n${'1,x\n'.repeat(SGT_IMPORT_LIMIT / 4 + 1)}`;
      await expectProblem(await importBody(big, 'text/csv'), 413);
      await expectProblem(await put('1', { name: 'x'.repeat((1 << 20) + 1) }), 413);
    });
  });
}

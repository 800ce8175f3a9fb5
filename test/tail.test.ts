/**
 * The file tail on each engine: appended lines become observed deltas exactly
 * once across restarts, and a watched file's new flow becomes a proposal.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTail } from '../actors/tail/tail.ts';
import { silentLogger } from '../engine/log.ts';
import { keys, openStores, type Stores } from '../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../streams/mod.ts';
import { readAll, waitFor } from './support/actors.ts';
import { FLAVOURS, type TestEngine } from './support/engines.ts';
import { describeNats } from './support/nats.ts';
import { decide, type Pipeline, proposals, startPipeline } from './support/pipeline.ts';

const line = (dstPort: number, hits: number, sgt = 10, dgt = 20) =>
  `${new Date().toISOString()} sw01 1: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='x' action='Permit' ` +
  `protocol='tcp' src-ip='10.0.0.1' src-port='50000' dest-ip='10.0.1.1' dest-port='${dstPort}' sgt='${sgt}' dgt='${dgt}' logging_interval_hits='${hits}'\n`;

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`file tail on ${flavour.name}`, () => {
    let te: TestEngine;
    let stores: Stores;
    let dir: string;
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
      await te?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    async function setup(): Promise<string> {
      te = await flavour.open();
      stores = await openStores(te.engine, te.ns);
      dir = mkdtempSync(join(tmpdir(), 'scopilot-tail-'));
      const path = join(dir, 'switch.log');
      writeFileSync(path, '');
      return path;
    }

    function tail(path: string): FileTail {
      const t = new FileTail({
        path,
        tenant: 'acme',
        log: te.engine.log,
        stores,
        subjects: subjectsFor(te.ns),
        logger: silentLogger(),
        intervalMs: 200,
        pollMs: 25,
      });
      return t;
    }

    async function observedHits(): Promise<number> {
      const all = await readAll(te, StreamName.Flows, subjectsFor(te.ns).flowsObservedAll('acme'));
      return all.reduce((sum, m) => sum + (m.json as { data: { hits: number } }).data.hits, 0);
    }

    test('every appended hit is published once, across a restart and a replayed interval', async () => {
      const path = await setup();
      const first = tail(path);
      await first.start();
      appendFileSync(path, line(443, 5) + line(443, 7) + line(22, 1));
      await waitFor('13 hits', async () => (await observedHits()) === 13);
      await first.stop();

      appendFileSync(path, line(443, 100));
      const second = tail(path);
      await second.start();
      stops.push(() => second.stop());
      await waitFor('113 hits', async () => (await observedHits()) === 113);

      // A crash between publishing and committing: the range is pending again on restart.
      await second.stop();
      stops.pop();
      const key = keys.cursor('tail', 'acme', path);
      const cursor = (await stores.tailCursors.get(key))!.value;
      const lastLine = line(443, 100).length;
      await stores.tailCursors.put(key, {
        ...cursor,
        offset: cursor.offset - lastLine,
        pending: { ino: cursor.ino, start: cursor.offset - lastLine, end: cursor.offset },
      });
      const third = tail(path);
      await third.start();
      stops.push(() => third.stop());
      await Bun.sleep(400);
      expect(await observedHits()).toBe(113);
      expect((await stores.tailCursors.get(key))?.value).toMatchObject({
        offset: cursor.offset,
        pending: null,
      });
    });

    test('a new flow appended to a watched file becomes a proposal within 2 s; once approved, more lines make none', async () => {
      const path = await setup();
      const pipeline: Pipeline = await startPipeline(te);
      stops.push(() => pipeline.stop());
      const t = tail(path);
      await t.start();
      stops.push(() => t.stop());

      const appendedAt = Date.now();
      appendFileSync(path, line(443, 12));
      await waitFor('a proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 1, 5_000);
      expect(Date.now() - appendedAt).toBeLessThan(2_000);

      const [p] = await proposals(pipeline.stores, 'acme');
      expect(await decide(te, 'acme', p!.id, 'approve')).toMatchObject({ ok: true, version: 1 });
      await Bun.sleep(1_100); // the aggregator's matrix view refreshes within a second
      appendFileSync(path, line(443, 3) + line(443, 4));
      await waitFor(
        'inventory updated',
        async () => (await pipeline.stores.inventory.get('acme.10-20-tcp-any-443'))?.value.hits === 19,
      );
      await Bun.sleep(300);
      expect(await proposals(pipeline.stores, 'acme')).toHaveLength(1);
    });
  });
}

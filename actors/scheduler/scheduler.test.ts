/**
 * The incremental re-scan on both engines: a first tick reads the tenant's
 * whole inventory, an idle tick reads nothing, a flow written since makes the
 * next tick look at its tag pair only, and a move of the live matrix makes it
 * look at every flow again. The readiness snapshot always covers every flow.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../engine/log.ts';
import { keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import type { InventoryRecord } from '../../kv-schema/records.ts';
import { StreamName, streamName, subjectsFor } from '../../streams/mod.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { Scheduler, type TickReport } from './scheduler.ts';

const NOW = Date.UTC(2026, 6, 1);

function flow(sgt: number, dgt: number, dstPort: number, hits = 10): InventoryRecord {
  return {
    flowId: `${sgt}-${dgt}-tcp-any-${dstPort}`,
    sgt,
    dgt,
    protocol: 'tcp',
    srcPort: 'any',
    dstPort,
    hits,
    events: 1,
    firstSeenMs: NOW - 86_400_000,
    lastSeenMs: NOW,
    days: [],
    srcSamples: [],
    dstSamples: [],
    permitHits: hits,
    denyHits: 0,
    unknownAt: null,
    rev: 1,
  };
}

const put = (stores: Stores, f: InventoryRecord) => stores.inventory.put(keys.inventory('acme', f.flowId), f);

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`incremental scheduler on ${flavour.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    test('rescans the pairs written since the last tick, or every flow after the matrix moved', async () => {
      const te: TestEngine = await flavour.open();
      cleanup.push(() => te.dispose());
      const stores = await openStores(te.engine, te.ns);
      const scheduler = new Scheduler({
        stores,
        log: te.engine.log,
        subjects: subjectsFor(te.ns),
        logger: silentLogger(),
        now: () => NOW,
      });
      cleanup.push(async () => scheduler.stop());
      for (const port of [80, 443, 8443]) await put(stores, flow(10, 20, port));
      for (const port of [53, 123]) await put(stores, flow(30, 40, port));

      const first = await scheduler.tick();
      expect(first).toMatchObject({ tenants: 1, rescanned: 5, reported: 5, fullScans: 1 });
      expect(await scheduler.tick()).toMatchObject({ tenants: 1, rescanned: 0, reported: 0, fullScans: 0 });

      // One new flow in 10→20: the next tick looks at that pair's four flows only.
      await put(stores, flow(10, 20, 22, 5));
      let report: TickReport | null = null;
      for (let i = 0; i < 200 && (report?.rescanned ?? 0) === 0; i++) {
        report = await scheduler.tick();
        if (report.rescanned === 0) await Bun.sleep(10);
      }
      expect(report).toMatchObject({ rescanned: 4, fullScans: 0 });
      const snapshot = (await stores.readiness.get(keys.readiness('acme')))?.value;
      expect(snapshot?.flows.total).toBe(6);
      expect(snapshot?.totalHits).toBe(55);

      // The live matrix moved (a rollback's new generation): every flow again, and reported again.
      await stores.pointer.create(keys.matrixCurrent('acme'), {
        version: 0,
        latest: 0,
        generation: 7,
        by: 'test',
        channel: 'system',
        at: new Date(NOW).toISOString(),
        reason: 'test',
      });
      expect(await scheduler.tick()).toMatchObject({ rescanned: 6, reported: 6, fullScans: 1 });
      expect(await scheduler.tick()).toMatchObject({ rescanned: 0, fullScans: 0 });
    }, 30_000);

    test('after the matrix moved, every uncovered flow is reported once, many in flight at a time', async () => {
      const te: TestEngine = await flavour.open();
      cleanup.push(() => te.dispose());
      const stores = await openStores(te.engine, te.ns);
      const subjects = subjectsFor(te.ns);
      const scheduler = new Scheduler({
        stores,
        log: te.engine.log,
        subjects,
        logger: silentLogger(),
        now: () => NOW,
        publishWindow: 16,
      });
      cleanup.push(async () => scheduler.stop());
      const flows = Array.from({ length: 300 }, (_, i) => ({
        ...flow(10 + (i % 3), 20, 1_000 + i),
        unknownAt: 0,
      }));
      await Promise.all(flows.map((f) => put(stores, f)));
      // Reported at generation 0 already (by the aggregator): the first tick reports nothing.
      expect(await scheduler.tick()).toMatchObject({ rescanned: 300, reported: 0 });
      await stores.pointer.create(keys.matrixCurrent('acme'), {
        version: 0,
        latest: 0,
        generation: 1,
        by: 'test',
        channel: 'system',
        at: new Date(NOW).toISOString(),
        reason: 'test',
      });
      expect(await scheduler.tick()).toMatchObject({ rescanned: 300, reported: 300 });
      const stored: string[] = [];
      for await (const m of te.engine.log.replay(streamName(StreamName.Work, te.ns), {
        filterSubject: subjects.flowsUnknown('acme'),
      })) {
        stored.push(m.msgId ?? '');
      }
      expect(stored.sort()).toEqual(flows.map((f) => `unknown:acme:${f.flowId}:g1`).sort());
    }, 30_000);
  });
}

/**
 * coverageInventory on both engines: a small tenant is read afresh, a large
 * one through the process's inventory view, which then follows writes and
 * deletes (the matrix page of a 20,000-flow tenant no longer reads every
 * record on every visit), its stamp moving only when they do.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { keys, openStores } from '../../kv-schema/mod.ts';
import { waitFor } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { inventoryRecord } from '../../test/support/rest-api.ts';
import { coverageInventory, stampedInventory, VIEW_ABOVE_FLOWS } from './matrix-data.ts';

let te: TestEngine | undefined;
afterEach(async () => {
  await te?.dispose();
  te = undefined;
});

const flowId = (i: number): string => `${2 + (i % 50)}-${100 + Math.floor(i / 50)}-tcp-any-443`;

for (const flavour of FLAVOURS.filter((f) => f.available)) {
  describe(`coverageInventory (${flavour.name})`, () => {
    test('a small tenant is read afresh, a large one follows its writes', async () => {
      te = await flavour.open();
      const stores = await openStores(te.engine, te.ns);
      const put = (tenant: string, id: string, hits = 10) =>
        stores.inventory.put(keys.inventory(tenant, id), inventoryRecord(id, { hits }));

      await put('small', flowId(0));
      expect((await coverageInventory(stores, 'small')).map((f) => f.flowId)).toEqual([flowId(0)]);
      await put('small', flowId(1));
      expect(await coverageInventory(stores, 'small')).toHaveLength(2);
      expect((await stampedInventory(stores, 'small')).stamp).toBeNull();

      const n = VIEW_ABOVE_FLOWS + 1;
      for (let i = 0; i < n; i += 200)
        await Promise.all(
          Array.from({ length: Math.min(200, n - i) }, (_, k) => put('large', flowId(i + k))),
        );
      const first = await coverageInventory(stores, 'large');
      expect(first).toHaveLength(n);
      expect(first.reduce((s, f) => s + f.hits, 0)).toBe(n * 10);
      // Nothing written: the stamp stays, so what a page drew from these flows still holds.
      const { stamp } = await stampedInventory(stores, 'large');
      expect(stamp).not.toBeNull();
      expect((await stampedInventory(stores, 'large')).stamp).toBe(stamp);

      // Written and deleted after the load: the view's watch brings both.
      await put('large', flowId(n), 7);
      await put('large', flowId(0), 99);
      await stores.inventory.raw.delete(keys.inventory('large', flowId(1)));
      await waitFor('the view to follow', async () => {
        const flows = await coverageInventory(stores, 'large');
        const byId = new Map(flows.map((f) => [f.flowId, f.hits]));
        return (
          flows.length === n &&
          byId.get(flowId(n)) === 7 &&
          byId.get(flowId(0)) === 99 &&
          !byId.has(flowId(1))
        );
      });
      const moved = (await stampedInventory(stores, 'large')).stamp;
      expect(moved).not.toBe(stamp);
      expect((await stampedInventory(stores, 'large')).stamp).toBe(moved);
    }, 60_000);
  });
}

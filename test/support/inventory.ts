/**
 * "Exactly what one process computes": a flow's hits and events from an
 * offline analysis of the lines, beside the same figures in a tenant's live
 * inventory, for the multi-process and cluster tests.
 */
import { Analysis } from '../../domain/analysis.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';

/** Flow id → [hits, events]. */
export type FlowTotals = Map<string, number[]>;

export function offlineTotals(lines: readonly string[], referenceMs: number): FlowTotals {
  const offline = new Analysis({ referenceMs });
  offline.addLines(lines);
  return new Map(offline.result().flows.map((f) => [f.id, [f.hits, f.events]]));
}

export async function inventoryTotals(stores: Stores, tenant: string): Promise<FlowTotals> {
  const out: FlowTotals = new Map();
  for (const key of await stores.inventory.keys(keys.tenantAll(tenant))) {
    const record = (await stores.inventory.get(key))?.value;
    if (record !== undefined) out.set(record.flowId, [record.hits, record.events]);
  }
  return out;
}

const eventsOf = (m: FlowTotals): number => [...m.values()].reduce((s, [, e]) => s + (e ?? 0), 0);

/**
 * The inventory once every expected event is in, or once nothing has moved for
 * `stillSeconds` (a lost update never arrives), then a few seconds more: late,
 * stale writes would land in them.
 */
export async function settledTotals(
  stores: Stores,
  tenant: string,
  expected: FlowTotals,
  { maxSeconds, stillSeconds }: { maxSeconds: number; stillSeconds: number },
): Promise<FlowTotals> {
  const total = eventsOf(expected);
  let last = -1;
  let still = 0;
  for (let waited = 0; waited < maxSeconds && still < stillSeconds; waited++) {
    const now = eventsOf(await inventoryTotals(stores, tenant));
    if (now === total) break;
    still = now === last ? still + 1 : 0;
    last = now;
    await Bun.sleep(1_000);
  }
  await Bun.sleep(3_000);
  return inventoryTotals(stores, tenant);
}

/** Expected flows whose figures differ in `actual` (missing ones included). */
export const wrongFlows = (expected: FlowTotals, actual: FlowTotals): [string, number[]][] =>
  [...expected].filter(([id, want]) => actual.get(id)?.join() !== want.join());

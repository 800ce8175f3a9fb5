/**
 * The flows quota on both engines: a tenant with flows=3 sending five distinct flows over two
 * tag pairs (two aggregator partitions) ends with three in its inventory and two dead letters
 * naming the quota; its known flows keep being updated; another tenant is not held back; once
 * the quota is raised the dead letters are replayed into the inventory, once.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { loadConfig } from '../../config/mod.ts';
import type { ActorSystem } from '../../engine/actor/system.ts';
import { keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import { Metrics } from '../../observability/metrics.ts';
import { StreamName, subjectsFor } from '../../streams/mod.ts';
import { readAll, startSystem, waitFor } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { observe, observed } from '../../test/support/pipeline.ts';
import { aggregatorActor } from './actor.ts';
import { FLOW_QUOTA_REASON, FlowQuota } from './flow-quota.ts';
import { redriveFlowQuota } from './redrive.ts';

const FIVE = [
  { sgt: 10, dgt: 20, dstPort: 1 },
  { sgt: 10, dgt: 20, dstPort: 2 },
  { sgt: 10, dgt: 20, dstPort: 3 },
  { sgt: 30, dgt: 40, dstPort: 4 },
  { sgt: 30, dgt: 40, dstPort: 5 },
];

const quotasWith = (acmeFlows: number) =>
  loadConfig({ SCOPILOT_QUOTAS__TENANTS: JSON.stringify([{ tenant: 'acme', flows: acmeFlows }]) }).quotas;

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`flows quota on ${flavour.name}`, () => {
    let te: TestEngine;
    let system: ActorSystem | undefined;
    afterEach(async () => {
      await system?.drain();
      await te?.dispose();
    });

    const inventory = async (stores: Stores, tenant: string) => {
      const out = new Map<string, number>();
      for (const key of await stores.inventory.keys(keys.tenantAll(tenant))) {
        const r = (await stores.inventory.get(key))?.value;
        if (r) out.set(r.flowId, r.hits);
      }
      return out;
    };

    test('flows=3: three kept, two dead-lettered with the reason, replayed after a raise', async () => {
      te = await flavour.open();
      const stores = await openStores(te.engine, te.ns);
      const metrics = new Metrics({ defaults: false });
      const start = (flows: number) =>
        startSystem(te, [
          aggregatorActor(te.ns, stores, undefined, { quotas: quotasWith(flows), metrics: metrics.quota }),
        ]);
      system = await start(3);
      for (const f of FIVE) {
        await observe(te, 'acme', observed(f));
        await observe(te, 'globex', observed(f));
      }
      const dead = () => readAll(te, StreamName.Dead, subjectsFor(te.ns).dead('acme', 'aggregator'));
      await waitFor('two dead letters', async () => (await dead()).length === 2);
      await waitFor('globex folded', async () => (await inventory(stores, 'globex')).size === 5);
      const kept = await inventory(stores, 'acme');
      expect(kept.size).toBe(3);
      for (const letter of await dead()) {
        const body = letter.json as { actor: string; error: string };
        expect(body.actor).toBe('aggregator');
        expect(body.error.startsWith(FLOW_QUOTA_REASON)).toBe(true);
        expect(body.error).toContain('tenant acme holds 3 distinct flows');
      }
      expect(await new FlowQuota(stores, { quotas: quotasWith(3) }).count('acme')).toBe(3);
      const text = await metrics.text();
      expect(text).toContain('scopilot_quota_throttled_total{tenant="acme",quota="flows"} 2');
      expect(text).not.toContain('scopilot_quota_throttled_total{tenant="globex"');

      // A flow already held keeps being updated at the quota.
      const [heldId, heldHits] = [...kept][0]!;
      const [sgt, dgt, , , port] = heldId.split('-');
      await observe(te, 'acme', observed({ sgt: Number(sgt), dgt: Number(dgt), dstPort: Number(port) }));
      await waitFor(
        'the update',
        async () => (await inventory(stores, 'acme')).get(heldId) === heldHits + 10,
      );
      expect((await dead()).length).toBe(2);

      // The operator raises the quota and replays: the two refused flows arrive, once.
      await system.drain();
      system = await start(10);
      expect(await redriveFlowQuota(te.engine.log, stores, te.ns, 'acme')).toEqual({ sent: 2, other: 0 });
      await waitFor('all five', async () => (await inventory(stores, 'acme')).size === 5);
      expect(await redriveFlowQuota(te.engine.log, stores, te.ns, 'acme')).toEqual({ sent: 0, other: 0 });
      expect((await dead()).length).toBe(2);
      expect(await new FlowQuota(stores, { quotas: quotasWith(10) }).count('acme')).toBe(5);
    }, 60_000);
  });
}

/**
 * The open-proposals quota on both engines, through the whole pipeline and
 * the matrix keeper: a tenant at its quota gets no new proposal, the flows
 * that would have opened one are held (and counted), and when people decide
 * one proposal a held flow becomes a proposal without any new traffic.
 * Another tenant is not held back.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { loadConfig } from '../../config/mod.ts';
import { isOpen, type ProposalStatus } from '../../domain/proposal.ts';
import { keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import { subjectsFor } from '../../streams/mod.ts';
import { startSystem, waitFor } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { decide, nameTags, observe, observed, proposals } from '../../test/support/pipeline.ts';
import { serveMatrixKeeper } from '../matrix-keeper/actor.ts';
import { flowActors } from '../mod.ts';

/** Four tag pairs, none covered: each asks for a proposal of its own. */
const PAIRS: [number, number, number][] = [
  [10, 20, 443],
  [10, 30, 53],
  [20, 30, 53],
  [30, 10, 22],
];

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`open-proposals quota on ${flavour.name}`, () => {
    let te: TestEngine;
    let stores: Stores;
    const stops: (() => Promise<void>)[] = [];
    const throttled: string[] = [];
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
      await te?.dispose();
      throttled.length = 0;
    });

    async function setup(env: Record<string, string>) {
      te = await flavour.open();
      stores = await openStores(te.engine, te.ns);
      for (const tenant of ['acme', 'quiet']) await nameTags(stores, tenant);
      const keeper = serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns));
      const system = await startSystem(
        te,
        flowActors(te.ns, stores, {
          classifier: { mode: 'heuristic', cacheDays: 7, batchWindowMs: 50 },
          proposer: {
            quotas: loadConfig(env).quotas,
            quotaMetrics: {
              throttled: (t, q, n) => throttled.push(`${t}:${q}:${n}`),
              shed: () => undefined,
            },
          },
        }),
      );
      stops.push(async () => {
        await system.drain();
        await keeper.stop();
      });
    }

    const open = async (tenant: string) =>
      (await proposals(stores, tenant)).filter((p) => isOpen(p.status as ProposalStatus));
    const held = async (tenant: string) => stores.openProposals.keys(keys.heldFlowsAll(tenant));

    test('at the quota flows are held, and a decision lets the next one in without new traffic', async () => {
      await setup({ SCOPILOT_QUOTAS__OPEN_PROPOSALS: '2' });
      for (const [sgt, dgt, dstPort] of PAIRS) await observe(te, 'acme', observed({ sgt, dgt, dstPort }));
      await waitFor('two proposals and two flows held', async () => {
        return (await open('acme')).length === 2 && (await held('acme')).length === 2;
      });
      // Settled: nothing more is made while the tenant is full.
      await Bun.sleep(500);
      expect(await open('acme')).toHaveLength(2);
      expect(throttled).toEqual(['acme:open-proposals:1', 'acme:open-proposals:1']);

      // Another tenant has its own quota.
      await observe(te, 'quiet', observed({ sgt: 10, dgt: 20, dstPort: 443 }));
      await waitFor('the other tenant proposed', async () => (await open('quiet')).length === 1);

      const [first] = await open('acme');
      expect((await decide(te, 'acme', first!.id, 'reject')).ok).toBe(true);
      await waitFor('a held flow proposed', async () => {
        const all = await proposals(stores, 'acme');
        return all.length === 3 && (await open('acme')).length === 2;
      });
      expect(await held('acme')).toHaveLength(1);
      const pairs = new Set((await proposals(stores, 'acme')).map((p) => `${p.sgt}-${p.dgt}`));
      expect(pairs.size).toBe(3);

      // And the last one after another decision.
      const [second] = await open('acme');
      expect((await decide(te, 'acme', second!.id, 'approve')).ok).toBe(true);
      await waitFor('the last held flow proposed', async () => {
        return (await proposals(stores, 'acme')).length === 4 && (await held('acme')).length === 0;
      });
      expect(await open('acme')).toHaveLength(2);
    });

    test('a flow for a pair with an open proposal still merges into it at the quota', async () => {
      await setup({ SCOPILOT_QUOTAS__OPEN_PROPOSALS: '1' });
      await observe(te, 'acme', observed({ sgt: 10, dgt: 20, dstPort: 443 }));
      await waitFor('one proposal', async () => (await open('acme')).length === 1);
      await observe(te, 'acme', observed({ sgt: 10, dgt: 20, dstPort: 8443 }));
      await waitFor('merged', async () => (await open('acme'))[0]?.evidence.length === 2);
      expect(await held('acme')).toHaveLength(0);
      expect(throttled).toEqual([]);
    });
  });
}

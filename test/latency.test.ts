/**
 * The line-to-proposal latency on each engine: the time a delta's earliest
 * line was received travels through flows.unknown and flows.classified, and
 * /metrics shows how long it took to reach the inventory and a visible
 * proposal, with per-tenant counts of deltas folded, flows and proposals.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { flowActors, serveMatrixKeeper } from '../actors/mod.ts';
import type { ActorSystem } from '../engine/actor/system.ts';
import { openStores, type Stores } from '../kv-schema/mod.ts';
import { Metrics } from '../observability/metrics.ts';
import { StreamName, subjectsFor } from '../streams/mod.ts';
import { readAll, startSystem, waitFor } from './support/actors.ts';
import { FLAVOURS, type TestEngine } from './support/engines.ts';
import { describeNats } from './support/nats.ts';
import { nameTags, observe, observed, proposals } from './support/pipeline.ts';

/** A sample's value in the exposition text, or null when absent. */
function sample(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`line-to-proposal latency on ${flavour.name}`, () => {
    let te: TestEngine;
    let system: ActorSystem | undefined;
    let keeper: { stop(): Promise<void> } | undefined;
    afterEach(async () => {
      await system?.drain();
      await keeper?.stop();
      await te?.dispose();
    });

    async function setup(): Promise<{ stores: Stores; metrics: Metrics }> {
      te = await flavour.open();
      const stores = await openStores(te.engine, te.ns);
      await nameTags(stores, 'acme');
      keeper = serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns));
      const metrics = new Metrics({ defaults: false });
      system = await startSystem(
        te,
        flowActors(te.ns, stores, {
          classifier: { mode: 'heuristic', cacheDays: 7, batchWindowMs: 50 },
          metrics: metrics.pipeline,
        }),
      );
      return { stores, metrics };
    }

    test('the receive time reaches the proposer; the histograms and counters show it per tenant', async () => {
      const { stores, metrics } = await setup();
      const receivedAtMs = Date.now() - 3_000;
      await observe(te, 'acme', observed({ dstPort: 443, receivedAtMs }));
      await waitFor('a proposal', async () => (await proposals(stores, 'acme')).length === 1);
      // Same pair, a new flow: merged into the open proposal, which is not made visible again.
      await observe(te, 'acme', observed({ dstPort: 22, receivedAtMs }));
      // A delta from before the time was carried: counted, not timed.
      await observe(te, 'acme', observed({ dstPort: 22 }));
      await waitFor('the merge', async () => (await proposals(stores, 'acme'))[0]?.aces.length === 2);

      const subjects = subjectsFor(te.ns);
      const carried = async (subject: string) =>
        (await readAll(te, StreamName.Work, subject)).map(
          (m) => (m.json as { data: { receivedAtMs?: number } }).data.receivedAtMs,
        );
      expect(await carried(subjects.flowsUnknown('acme'))).toEqual([receivedAtMs, receivedAtMs]);
      expect(await carried(subjects.flowsClassified('acme'))).toEqual([receivedAtMs, receivedAtMs]);

      const text = await metrics.text();
      const acme = 'tenant="acme"';
      expect(sample(text, 'scopilot_proposals_created_total', acme)).toBe(1);
      expect(sample(text, 'scopilot_flows_created_total', acme)).toBe(2);
      expect(sample(text, 'scopilot_flow_deltas_folded_total', acme)).toBe(3);
      expect(sample(text, 'scopilot_line_to_proposal_seconds_count', acme)).toBe(1);
      // Received three seconds before it was published: at least that, and well under a minute.
      expect(sample(text, 'scopilot_line_to_proposal_seconds_bucket', `le="2.5",${acme}`)).toBe(0);
      expect(sample(text, 'scopilot_line_to_proposal_seconds_bucket', `le="60",${acme}`)).toBe(1);
      expect(sample(text, 'scopilot_line_to_proposal_seconds_sum', acme)).toBeGreaterThanOrEqual(3);
      expect(sample(text, 'scopilot_line_to_inventory_seconds_count', acme)).toBe(2);
      expect(sample(text, 'scopilot_line_to_inventory_seconds_bucket', `le="2.5",${acme}`)).toBe(0);
    });
  });
}

/**
 * REST /quotas on both engines: a tenant held to flows=3 sees its quota, its three counted flows
 * and the two refused; a viewer cannot redrive; after the quota is raised (a second app and
 * aggregator over the same store) the admin's redrive brings the refused flows into the
 * inventory, once, and is audited; another tenant's token sees only its own figures.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { aggregatorActor } from '../../actors/aggregator/actor.ts';
import { loadConfig } from '../../config/mod.ts';
import type { ActorSystem } from '../../engine/actor/system.ts';
import { keys, type ProposalRecord, type Stores } from '../../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../../streams/mod.ts';
import { readAll, startSystem, waitFor } from '../../test/support/actors.ts';
import { startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { observe, observed } from '../../test/support/pipeline.ts';
import { expectGuarded, expectProblem, json } from '../../test/support/rest-api.ts';
import type { QuotasView, RedriveView } from './quotas.ts';

const FIVE = [
  { sgt: 10, dgt: 20, dstPort: 1 },
  { sgt: 10, dgt: 20, dstPort: 2 },
  { sgt: 10, dgt: 20, dstPort: 3 },
  { sgt: 30, dgt: 40, dstPort: 4 },
  { sgt: 30, dgt: 40, dstPort: 5 },
];

const configWith = (acmeFlows: number) =>
  loadConfig({
    SCOPILOT_QUOTAS__TENANTS: JSON.stringify([{ tenant: 'acme', flows: acmeFlows, openProposals: 7 }]),
  });

function proposal(id: string, status: ProposalRecord['status']): ProposalRecord {
  return {
    id,
    tenant: 'acme',
    idempotencyKey: id,
    sgt: 10,
    dgt: 20,
    aces: [],
    evidence: [],
    triggers: [{ trigger: 'scan', ref: 'r' }],
    status,
    rare: false,
    createdBy: 'proposer',
    createdAtMs: 1_000,
    updatedAtMs: 1_000,
    expiresAtMs: 9_000_000_000_000,
    history: [],
  };
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST /quotas on ${flavour.name}`, () => {
    let te: TestEngine;
    let system: ActorSystem | undefined;
    afterEach(async () => {
      await system?.drain();
      await te?.dispose();
    });

    const inventorySize = async (stores: Stores, tenant: string) =>
      (await stores.inventory.keys(keys.tenantAll(tenant))).length;
    const view = async (api: TestApi, token: string) => {
      const res = await api.request('/api/v1/quotas', { token });
      expect(res.status).toBe(200);
      return (await res.json()) as QuotasView;
    };
    const redrive = (api: TestApi, token: string) =>
      api.request('/api/v1/quotas/flows/redrive', json({}, token));

    test('figures reflect a refusal; the admin redrives after a raise; viewers and other tenants cannot', async () => {
      te = await flavour.open();
      const low = await startApi(te, { config: configWith(3) });
      const stores = low.stores;
      const start = (flows: number) =>
        startSystem(te, [aggregatorActor(te.ns, stores, undefined, { quotas: configWith(flows).quotas })]);
      system = await start(3);
      for (const f of FIVE) await observe(te, 'acme', observed(f));
      await observe(te, 'globex', observed(FIVE[0]));
      const dead = () => readAll(te, StreamName.Dead, subjectsFor(te.ns).dead('acme', 'aggregator'));
      await waitFor('two refused', async () => (await dead()).length === 2);
      await waitFor('globex folded', async () => (await inventorySize(stores, 'globex')) === 1);

      // Usage beside the refusal: an open and a decided proposal, one flow held back.
      await stores.proposals.put(keys.proposal('acme', 'p-1'), proposal('p-1', 'pending'));
      await stores.proposals.put(keys.proposal('acme', 'p-2'), proposal('p-2', 'approved'));
      await stores.openProposals.raw.put(
        keys.heldFlow('acme', '10-20-tcp-any-9'),
        new TextEncoder().encode('{}'),
      );

      const before = await view(low, TOKENS.viewer);
      expect(before).toEqual({
        tenant: 'acme',
        quotas: {
          linesPerSecond: 50_000,
          flows: 3,
          openProposals: 7,
          llmCallsPerHour: before.quotas.llmCallsPerHour,
        },
        usage: { flows: 3, openProposals: 1, heldFlows: 1, refusedFlows: 2, refusedFlowsMore: false },
      });
      expect(before.quotas.llmCallsPerHour).toBe(configWith(3).quotas.llmCallsPerHour);

      // Another tenant's token sees its own quotas and usage only.
      const globex = await view(low, TOKENS.other);
      expect(globex.tenant).toBe('globex');
      expect(globex.quotas.flows).toBe(configWith(3).quotas.flows);
      expect(globex.usage).toEqual({
        flows: 1,
        openProposals: 0,
        heldFlows: 0,
        refusedFlows: 0,
        refusedFlowsMore: false,
      });

      // Redrive is for admins: no token 401, viewer and operator 403, and nothing was sent.
      await expectGuarded(low, 'POST', '/api/v1/quotas/flows/redrive', 'admin');
      await expectProblem(await redrive(low, TOKENS.viewer), 403);
      expect((await view(low, TOKENS.viewer)).usage.refusedFlows).toBe(2);
      // Globex's admin redrives globex's dead letters, none, and leaves acme's alone.
      expect(((await (await redrive(low, TOKENS.other)).json()) as RedriveView).sent).toBe(0);
      expect((await view(low, TOKENS.viewer)).usage.refusedFlows).toBe(2);

      // The operator raises acme's quota: a new engine role and edge over the same store.
      await system.drain();
      system = await start(10);
      const high = await startApi(te, { config: configWith(10) });
      const res = await redrive(high, TOKENS.admin);
      expect(res.status).toBe(200);
      expect((await res.json()) as RedriveView).toEqual({ tenant: 'acme', sent: 2, other: 0 });
      await waitFor('all five in the inventory', async () => (await inventorySize(stores, 'acme')) === 5);
      const after = await view(high, TOKENS.viewer);
      expect(after.quotas.flows).toBe(10);
      expect(after.usage).toMatchObject({ flows: 5, refusedFlows: 0, refusedFlowsMore: false });

      // Sent once: a second run sends nothing; each run is audited with who asked.
      expect(await (await redrive(high, TOKENS.admin)).json()).toEqual({ tenant: 'acme', sent: 0, other: 0 });
      const audits = (await readAll(te, StreamName.Audit, subjectsFor(te.ns).audit('acme')))
        .map((m) => m.json as { by: string; data: { action: string; detail: { sent: number } } })
        .filter((m) => m.data.action === 'quota.flows.redrive');
      expect(audits.map((a) => a.data.detail.sent)).toEqual([2, 0]);
      expect(audits[0]!.by).toBeTruthy();
      expect((await dead()).length).toBe(2);
    }, 60_000);
  });
}

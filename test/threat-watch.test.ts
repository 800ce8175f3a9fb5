/**
 * Reactive defence on each engine: a flow towards a destination that threat
 * intel (the loopback provider fake) calls malicious becomes an urgent deny
 * proposal carrying the verdict trail; repeated hits ask nothing new and make
 * no second proposal; private destinations are never sent to a provider.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { threatWatchActor } from '../actors/mod.ts';
import { loadConfig } from '../config/mod.ts';
import { silentLogger } from '../engine/log.ts';
import { createThreatIntel } from '../integrations/threat-intel/mod.ts';
import { abuseIpDbBody, type FakeThreatIntel, startFakeThreatIntel } from './fakes/threat-intel.ts';
import { startSystem, waitFor } from './support/actors.ts';
import { FLAVOURS, type TestEngine } from './support/engines.ts';
import { describeNats } from './support/nats.ts';
import { observe, observed, type Pipeline, proposals, startPipeline } from './support/pipeline.ts';

const BAD = '185.220.101.34';
const CLEAN = '93.184.216.34';
const BAD_V6 = '2a01:4f8:c0c:1234::1';
const BAD_V6_AS_LOGGED = '2A01:04F8:0C0C:1234:0:0:0:1';
const INTERNET = 0;

let fake: FakeThreatIntel;
beforeAll(async () => {
  fake = await startFakeThreatIntel();
  fake.script('abuseipdb', BAD, {
    kind: 'json',
    body: abuseIpDbBody(BAD, { score: 100, totalReports: 312 }),
  });
  fake.script('abuseipdb', BAD_V6, { kind: 'json', body: abuseIpDbBody(BAD_V6, { score: 90 }) });
});
afterAll(async () => {
  await fake.stop();
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`threat watch on ${flavour.name}`, () => {
    let te: TestEngine;
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
      await te?.dispose();
      fake.requests.length = 0;
    });

    async function setup(learningMs = 0): Promise<Pipeline> {
      te = await flavour.open();
      const pipeline = await startPipeline(te, learningMs);
      stops.push(() => pipeline.stop());
      const settings = loadConfig({
        SCOPILOT_THREAT__ABUSEIPDB_API_KEY: fake.keys.abuseipdb,
        SCOPILOT_THREAT__ABUSEIPDB_BASE_URL: fake.url,
      }).threat;
      const intel = await createThreatIntel(settings, { stores: pipeline.stores, logger: silentLogger() });
      const watch = await startSystem(te, [threatWatchActor(te.ns, { intel })]);
      stops.push(() => watch.drain());
      return pipeline;
    }

    const towards = (dstSamples: string[], dstPort = 443) =>
      observed({ sgt: 10, dgt: INTERNET, dstPort, dstSamples, srcSamples: ['10.0.0.5'] });

    test('a flow to a malicious destination becomes an urgent deny proposal with its trail', async () => {
      const { stores } = await setup();
      await observe(te, 'acme', towards([CLEAN, BAD]));
      // The flow's ordinary scan asks for the pair too; whichever lands first, the pair has one proposal.
      await waitFor('an urgent proposal', async () => (await proposals(stores, 'acme'))[0]?.urgent === true);
      const all = await proposals(stores, 'acme');
      expect(all).toHaveLength(1);
      const p = all[0];
      expect(p).toMatchObject({ sgt: 10, dgt: INTERNET, urgent: true, status: 'pending' });
      expect(p!.aces.map((a) => [a.action, a.protocol, a.dstPort])).toEqual([['deny', 'tcp', 443]]);
      expect(p!.aces[0]!.decision.rationale).toContain('abuseipdb (score 100)');
      expect(p!.triggers).toContainEqual({ trigger: 'threat', ref: `threat:${BAD}` });
      expect(p!.threat).toEqual([
        expect.objectContaining({ ip: BAD, provider: 'abuseipdb', malicious: true, score: 100 }),
      ]);
      expect(p!.evidence[0]).toMatchObject({ category: 'harmful', source: 'guardrail', risk: 'critical' });
      expect(p!.evidence[0]!.rationale).toContain('abuseipdb (score 100)');
      // The rationale names providers, never the address.
      expect(p!.evidence[0]!.rationale).not.toContain(BAD);
    });

    test('repeated hits of the same destination ask nothing new and make no second proposal', async () => {
      const { stores } = await setup();
      for (let i = 0; i < 5; i++) await observe(te, 'acme', towards([BAD]));
      await waitFor('an urgent proposal', async () => (await proposals(stores, 'acme'))[0]?.urgent === true);
      await Bun.sleep(500);
      for (let i = 0; i < 5; i++) await observe(te, 'acme', towards([BAD]));
      await Bun.sleep(700);
      expect(await proposals(stores, 'acme')).toHaveLength(1);
      expect(fake.requestsFor('abuseipdb', BAD)).toHaveLength(1);
    });

    test('during the learning period a threat is still proposed at once', async () => {
      const { stores } = await setup(24 * 3_600_000);
      await observe(te, 'acme', towards([BAD], 8443));
      await waitFor('a proposal', async () => (await proposals(stores, 'acme')).length > 0);
      expect((await proposals(stores, 'acme'))[0]!.urgent).toBe(true);
    });

    test('an IPv6 destination written in any form is checked in canonical form and reported as written', async () => {
      const { stores } = await setup();
      await observe(te, 'acme', towards([BAD_V6_AS_LOGGED], 8443));
      await waitFor('an urgent proposal', async () => (await proposals(stores, 'acme'))[0]?.urgent === true);
      expect(fake.requestsFor('abuseipdb', BAD_V6)).toHaveLength(1);
      const [p] = await proposals(stores, 'acme');
      expect(p!.triggers).toContainEqual({ trigger: 'threat', ref: `threat:${BAD_V6_AS_LOGGED}` });
    });

    test('private and reserved destinations are never sent to a provider', async () => {
      const { stores } = await setup();
      await observe(te, 'acme', towards(['10.1.2.3', '192.168.1.1', '127.0.0.1', 'fe80::1', CLEAN]));
      await waitFor(
        'the public address asked about',
        () => fake.requestsFor('abuseipdb', CLEAN).length === 1,
      );
      await Bun.sleep(300);
      expect(fake.requests.map((r) => r.ip)).toEqual([CLEAN]);
      // Only the flow's ordinary proposal (the scan's), nothing urgent.
      expect((await proposals(stores, 'acme')).filter((p) => p.urgent)).toEqual([]);
    });
  });
}

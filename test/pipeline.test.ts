/**
 * The approval loop on each engine: observed flows → unknown → classified →
 * proposals; decisions through the keeper; coverage after approval.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { Scheduler } from '../actors/scheduler/scheduler.ts';
import { silentLogger } from '../engine/log.ts';
import { currentMatrix } from '../kv-schema/mod.ts';
import { type CommandReply, StreamName, subjectsFor } from '../streams/mod.ts';
import { readAll, waitFor } from './support/actors.ts';
import { FLAVOURS, type TestEngine } from './support/engines.ts';
import { describeNats } from './support/nats.ts';
import { decide, observe, observed, type Pipeline, proposals, startPipeline } from './support/pipeline.ts';

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`approval loop on ${flavour.name}`, () => {
    let te: TestEngine;
    let pipeline: Pipeline;
    afterEach(async () => {
      await pipeline?.stop();
      await te?.dispose();
    });

    async function setup(learningMs = 0) {
      te = await flavour.open();
      pipeline = await startPipeline(te, learningMs);
    }

    const unknowns = async () => readAll(te, StreamName.Work, subjectsFor(te.ns).flowsUnknown('acme'));

    test('uncovered flows become one proposal per pair (storm collapse); repeats create nothing', async () => {
      await setup();
      await observe(te, 'acme', observed({ dstPort: 443 }));
      await observe(te, 'acme', observed({ dstPort: 22, hits: 3 }));
      await observe(te, 'acme', observed({ dgt: 30, protocol: 'udp', dstPort: 53 }));
      await waitFor('two proposals with three ACEs', async () => {
        const ps = await proposals(pipeline.stores, 'acme');
        return ps.length === 2 && ps.reduce((n, p) => n + p.aces.length, 0) === 3;
      });
      const [web, dns] = await proposals(pipeline.stores, 'acme');
      expect(web?.aces.map((a) => `${a.action} ${a.protocol} ${a.dstPort}`).sort()).toEqual([
        'permit tcp 22',
        'permit tcp 443',
      ]);
      expect(web?.evidence.map((e) => e.flowId).sort()).toEqual(['10-20-tcp-any-22', '10-20-tcp-any-443']);
      expect(web?.rare).toBe(true);
      expect(dns).toMatchObject({ sgt: 10, dgt: 30, status: 'pending' });

      // The same flows again: counted in the inventory, no new unknowns, no new proposals.
      for (let i = 0; i < 3; i++) await observe(te, 'acme', observed({ dstPort: 443 }));
      await waitFor('inventory counted', async () => {
        const rec = await pipeline.stores.inventory.get('acme.10-20-tcp-any-443');
        return rec?.value.hits === 40;
      });
      expect(await unknowns()).toHaveLength(3);
      expect(await proposals(pipeline.stores, 'acme')).toHaveLength(2);
    });

    test('a flow no rule is sure of becomes a deny proposal marked needs_review, never a silent permit', async () => {
      await setup();
      await observe(te, 'acme', observed({ dstPort: 47000 }));
      await waitFor('one proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 1);
      const [p] = await proposals(pipeline.stores, 'acme');
      expect(p?.aces[0]).toMatchObject({ action: 'deny', decision: { needsReview: true } });
      expect(p?.aces[0]?.decision.rationale).toStartWith('needs review');
      expect(p?.aces[0]?.decision.confidence).toBeLessThan(0.6);
    });

    test('an approval makes a version that covers the flow; a new flow of the pair gets a new proposal', async () => {
      await setup();
      await observe(te, 'acme', observed({ dstPort: 443 }));
      await waitFor('a proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 1);
      const [p] = await proposals(pipeline.stores, 'acme');
      expect(await decide(te, 'acme', p!.id, 'approve')).toMatchObject({ ok: true, version: 1 });
      expect((await currentMatrix(pipeline.stores, 'acme')).version?.matrix.cells).toHaveLength(1);

      await Bun.sleep(1_100); // the aggregator's view of the live matrix is at most a second old
      await observe(te, 'acme', observed({ dstPort: 443 }));
      await observe(te, 'acme', observed({ dstPort: 8443 }));
      await waitFor('a second proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 2);
      const after = await proposals(pipeline.stores, 'acme');
      expect(after.map((x) => x.status).sort()).toEqual(['applied', 'pending']);
      expect(after.find((x) => x.status === 'pending')?.aces.map((a) => a.dstPort)).toEqual([8443]);
      // 443 is covered at v1: it was reported unknown once, at v0, and not again.
      const reported = (await unknowns()).map((m) => (m.json as { data: { flowId: string } }).data.flowId);
      expect(reported.sort()).toEqual(['10-20-tcp-any-443', '10-20-tcp-any-8443']);
    });

    test('a rejected flow is not proposed again; harmful flows become deny proposals', async () => {
      await setup();
      await observe(te, 'acme', observed({ dstPort: 6667 }));
      await waitFor('a proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 1);
      const [irc] = await proposals(pipeline.stores, 'acme');
      expect(irc?.aces[0]).toMatchObject({ action: 'deny', dstPort: 6667 });
      expect(await decide(te, 'acme', irc!.id, 'reject')).toMatchObject({ ok: true, status: 'rejected' });
      await observe(te, 'acme', observed({ dstPort: 6667, hits: 99 }));
      await Bun.sleep(500);
      expect(await proposals(pipeline.stores, 'acme')).toHaveLength(1);
    });

    test('the scheduler expires overdue proposals and measures coverage after an approval', async () => {
      await setup();
      const clock = { now: Date.now() };
      const scheduler = new Scheduler({
        stores: pipeline.stores,
        log: te.engine.log,
        subjects: subjectsFor(te.ns),
        logger: silentLogger(),
        now: () => clock.now,
      });
      await observe(te, 'acme', observed({ dstPort: 443, hits: 30 }));
      await observe(te, 'acme', observed({ dgt: 30, protocol: 'udp', dstPort: 53, hits: 10 }));
      await waitFor('two proposals', async () => (await proposals(pipeline.stores, 'acme')).length === 2);
      const [web, dns] = await proposals(pipeline.stores, 'acme');
      expect(await decide(te, 'acme', web!.id, 'approve')).toMatchObject({ ok: true, version: 1 });

      expect(await scheduler.tick()).toMatchObject({ tenants: 1, expired: 0, rescanned: 2 });
      // The re-scan reports the still-uncovered DNS flow at v1, and that creates no second proposal.
      expect((await unknowns()).map((m) => (m.json as { data: { flowId: string } }).data.flowId)).toContain(
        '10-30-udp-any-53',
      );
      expect(await unknowns()).toHaveLength(3);
      await Bun.sleep(500);
      expect(await proposals(pipeline.stores, 'acme')).toHaveLength(2);
      const snapshot = await pipeline.stores.readiness.get('readiness.acme');
      expect(snapshot?.value).toMatchObject({
        version: 1,
        totalHits: 40,
        coveredHits: 30,
        ratio: 0.75,
        criticalBlockers: 1,
      });
      expect(snapshot?.value.blockers).toEqual([
        { flowId: '10-30-udp-any-53', hits: 10, service: expect.any(String), critical: true },
      ]);

      clock.now += 73 * 3_600_000;
      expect(await scheduler.tick()).toMatchObject({ expired: 1 });
      const after = await proposals(pipeline.stores, 'acme');
      expect(after.find((p) => p.id === dns!.id)?.status).toBe('expired');
      expect(after.find((p) => p.id === web!.id)?.status).toBe('applied');
      const expired = await readAll(te, StreamName.Events, subjectsFor(te.ns).proposal('acme', 'expired'));
      expect(expired).toHaveLength(1);
      expect((await scheduler.tick()).expired).toBe(0);
    });

    async function rollback(version: number): Promise<CommandReply> {
      const body = { version, by: 'root', channel: 'cli', reason: 'contractors lost DNS' };
      const reply = await te.engine.rpc.request(
        subjectsFor(te.ns).command('acme', 'rollback'),
        new TextEncoder().encode(JSON.stringify(body)),
        10_000,
      );
      return JSON.parse(new TextDecoder().decode(reply));
    }

    /** Contractors (5) → Domain_Controllers (30) udp/53 applied as version 2, on top of a web permit at 1. */
    async function dnsAppliedAtTwo() {
      await observe(te, 'acme', observed({ dstPort: 443 }));
      await waitFor('a web proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 1);
      const [web] = await proposals(pipeline.stores, 'acme');
      expect(await decide(te, 'acme', web!.id, 'approve')).toMatchObject({ ok: true, version: 1 });
      await observe(te, 'acme', observed({ sgt: 5, dgt: 30, protocol: 'udp', dstPort: 53 }));
      await waitFor('a DNS proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 2);
      const dns = (await proposals(pipeline.stores, 'acme')).find((p) => p.sgt === 5)!;
      expect(dns.aces[0]).toMatchObject({ action: 'permit', protocol: 'udp', dstPort: 53 });
      expect(await decide(te, 'acme', dns.id, 'approve')).toMatchObject({ ok: true, version: 2 });
      return dns.id;
    }

    const dnsReports = async () =>
      (await unknowns()).filter(
        (m) => (m.json as { data: { flowId: string } }).data.flowId === '5-30-udp-any-53',
      );
    const stored = async (id: string) => (await pipeline.stores.proposals.get(`acme.${id}`))?.value;

    test('a rollback reopens what it removes: the flow is reported again, even after a restart, and asked again', async () => {
      await setup();
      const id = await dnsAppliedAtTwo();
      expect(await rollback(1)).toEqual({ ok: true, version: 1 });
      expect(await stored(id)).toMatchObject({ status: 'rolled_back', appliedVersion: 2 });

      await pipeline.stop();
      pipeline = await startPipeline(te);
      await observe(te, 'acme', observed({ sgt: 5, dgt: 30, protocol: 'udp', dstPort: 53, hits: 7 }));
      await waitFor('asked again', async () => (await stored(id))?.status === 'pending');
      const again = (await stored(id))!;
      expect(again.appliedVersion).toBeUndefined();
      expect(again.decision).toBeUndefined();
      expect(again.evidence[0]).toMatchObject({ flowId: '5-30-udp-any-53', hits: 17 });
      expect(again.history.map((h) => h.status)).toEqual([
        'pending',
        'approved',
        'applied',
        'rolled_back',
        'pending',
      ]);
      expect(await dnsReports()).toHaveLength(2);
      const created = await readAll(te, StreamName.Events, subjectsFor(te.ns).proposal('acme', 'created'));
      expect(
        created.filter((m) => (m.json as { data: { proposalId: string } }).data.proposalId === id),
      ).toHaveLength(2);
      const audit = await readAll(te, StreamName.Audit, subjectsFor(te.ns).audit('acme'));
      expect(audit.map((m) => (m.json as { data: { action: string } }).data.action)).toContain(
        'proposal.reopened',
      );
      expect(await proposals(pipeline.stores, 'acme')).toHaveLength(2);

      // Forward to 2 again: the ACE it asks for is in force there, so it is applied again.
      expect(await rollback(2)).toMatchObject({ ok: true, version: 2 });
      expect(await stored(id)).toMatchObject({
        status: 'applied',
        appliedVersion: 2,
        decision: { by: 'ann' },
      });
    });

    test('after a rollback the scheduler reports the uncovered flow again without new traffic', async () => {
      await setup();
      const scheduler = new Scheduler({
        stores: pipeline.stores,
        log: te.engine.log,
        subjects: subjectsFor(te.ns),
        logger: silentLogger(),
      });
      const id = await dnsAppliedAtTwo();
      expect(await rollback(1)).toEqual({ ok: true, version: 1 });
      expect(await scheduler.tick()).toMatchObject({ reported: 1, reconciled: 0 });
      await waitFor('asked again', async () => (await stored(id))?.status === 'pending');
      expect(await dnsReports()).toHaveLength(2);
      const snapshot = await pipeline.stores.readiness.get('readiness.acme');
      expect(snapshot?.value).toMatchObject({ version: 1, criticalBlockers: 1 });
      // Re-approved, it becomes a new version on top of the live one.
      expect(await decide(te, 'acme', id, 'approve')).toMatchObject({ ok: true, version: 3 });
      expect(await stored(id)).toMatchObject({ status: 'applied', appliedVersion: 3 });
    });

    test("rarity needs a window: nothing is rare in a tenant's first days; later, a flow seen once is", async () => {
      await setup();
      const DAY = 86_400_000;
      const at = (ms: number) => new Date(ms).toISOString();
      const today = Date.now();
      await observe(
        te,
        'acme',
        observed({ dstPort: 443, firstSeen: at(today - 60_000), lastSeen: at(today) }),
      );
      await waitFor('a proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 1);
      expect((await proposals(pipeline.stores, 'acme'))[0]?.rare).toBe(false);
      expect((await pipeline.stores.watch.get('watch.acme'))?.value.sinceMs).toBe(today - 60_000);

      // Traffic from ten days back is read (a log replayed from further back): watching began then.
      await observe(
        te,
        'acme',
        observed({ dgt: 30, dstPort: 22, firstSeen: at(today - 10 * DAY), lastSeen: at(today - 9 * DAY) }),
      );
      await waitFor('two proposals', async () => (await proposals(pipeline.stores, 'acme')).length === 2);
      await observe(
        te,
        'acme',
        observed({ dgt: 40, dstPort: 8080, firstSeen: at(today - 60_000), lastSeen: at(today) }),
      );
      await waitFor('three proposals', async () => (await proposals(pipeline.stores, 'acme')).length === 3);
      const byPair = new Map((await proposals(pipeline.stores, 'acme')).map((p) => [p.dgt, p]));
      expect((await pipeline.stores.watch.get('watch.acme'))?.value.sinceMs).toBe(today - 10 * DAY);
      // Seen on one day of eleven watched: rare. Seen on two: rare too (fewer than three).
      expect(byPair.get(40)?.rare).toBe(true);
      expect(byPair.get(30)?.rare).toBe(true);
    });

    test('the evidence of an open proposal follows the inventory; a decided one keeps what its decider saw', async () => {
      await setup();
      const scheduler = new Scheduler({
        stores: pipeline.stores,
        log: te.engine.log,
        subjects: subjectsFor(te.ns),
        logger: silentLogger(),
      });
      await observe(te, 'acme', observed({ dstPort: 443, hits: 10 }));
      await observe(te, 'acme', observed({ dgt: 30, protocol: 'udp', dstPort: 53, hits: 4 }));
      await waitFor('two proposals', async () => (await proposals(pipeline.stores, 'acme')).length === 2);
      const [web, dns] = await proposals(pipeline.stores, 'acme');
      expect(await decide(te, 'acme', dns!.id, 'reject')).toMatchObject({ ok: true });
      for (let i = 0; i < 4; i++) {
        await observe(
          te,
          'acme',
          observed({
            dstPort: 443,
            hits: 100,
            firstSeen: '2026-06-20T08:00:00.000Z',
            lastSeen: '2026-06-20T09:00:00.000Z',
          }),
        );
      }
      await observe(te, 'acme', observed({ dgt: 30, protocol: 'udp', dstPort: 53, hits: 50 }));
      await waitFor('inventory counted', async () => {
        const rec = await pipeline.stores.inventory.get('acme.10-20-tcp-any-443');
        return rec?.value.hits === 410;
      });
      expect((await scheduler.tick()).refreshed).toBe(1);
      const now = (await pipeline.stores.proposals.get(`acme.${web!.id}`))!.value;
      expect(now.evidence[0]).toMatchObject({
        flowId: '10-20-tcp-any-443',
        hits: 410,
        events: 5,
        daysSeen: 2,
        lastSeenMs: Date.parse('2026-06-20T09:00:00.000Z'),
      });
      expect(now.aces[0]).toMatchObject({ dstPort: 443, hits: 410 });
      expect(now.evidenceAtMs).toBeNumber();
      expect(now.status).toBe('pending');
      // Rejected before the new traffic: its figures are those the decider saw.
      expect((await pipeline.stores.proposals.get(`acme.${dns!.id}`))!.value.evidence[0]?.hits).toBe(4);
      expect((await scheduler.tick()).refreshed).toBe(0);
    });

    test('during the learning period flows are only observed', async () => {
      await setup(60_000);
      await observe(te, 'acme', observed({ dstPort: 443 }));
      await waitFor(
        'classified',
        async () =>
          (await readAll(te, StreamName.Work, subjectsFor(te.ns).flowsClassified('acme'))).length === 1,
      );
      await Bun.sleep(200);
      expect(await proposals(pipeline.stores, 'acme')).toHaveLength(0);
    });
  });
}

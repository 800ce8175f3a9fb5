import { afterEach, describe, expect, test } from 'bun:test';
import type { ContractAce } from '../../domain/contracts.ts';
import { aceFingerprint, idempotencyKey, type Proposal, proposalIdFor } from '../../domain/proposal.ts';
import { silentLogger } from '../../engine/log.ts';
import { currentMatrix, keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import { type CommandReply, StreamName, subjectsFor } from '../../streams/mod.ts';
import { readAll } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { serveMatrixKeeper } from './actor.ts';

const ace = (action: 'permit' | 'deny', dstPort: number): ContractAce => ({
  action,
  protocol: 'tcp',
  dstPort,
  hits: 5,
  events: 1,
  flowIds: [`10-20-tcp-any-${dstPort}`],
  conflict: false,
  decision: {
    flowId: `10-20-tcp-any-${dstPort}`,
    category: 'business_relevant',
    source: 'heuristic',
    risk: 'low',
    rationale: 'web',
  },
});

function proposal(dstPort: number, over: Partial<Proposal> = {}): Proposal {
  const aces = [ace('permit', dstPort)];
  const key = idempotencyKey('acme', `scan-${dstPort}`, 10, 20, aces);
  return {
    id: proposalIdFor(key),
    tenant: 'acme',
    idempotencyKey: key,
    sgt: 10,
    dgt: 20,
    aces,
    evidence: [],
    triggers: [{ trigger: 'scan', ref: `scan-${dstPort}` }],
    status: 'pending',
    rare: false,
    createdBy: 'proposer',
    createdAtMs: 1,
    updatedAtMs: 1,
    expiresAtMs: 10_000_000_000_000,
    history: [{ status: 'pending', atMs: 1, by: 'proposer', channel: 'system' }],
    ...over,
  };
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`matrix keeper on ${flavour.name}`, () => {
    let te: TestEngine;
    let stores: Stores;
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
      await te?.dispose();
    });

    async function setup() {
      te = await flavour.open();
      stores = await openStores(te.engine, te.ns);
      const service = serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns), true);
      stops.push(service.stop);
      return service;
    }

    async function ask(verb: 'decide' | 'rollback', body: unknown): Promise<CommandReply> {
      const subject = subjectsFor(te.ns).command('acme', verb);
      const reply = await te.engine.rpc.request(
        subject,
        new TextEncoder().encode(JSON.stringify(body)),
        10_000,
      );
      return JSON.parse(new TextDecoder().decode(reply));
    }

    const approve = (p: Proposal, by = 'ann') =>
      ask('decide', { proposalId: p.id, decision: 'approve', by, channel: 'api' });

    test('approvals chain versions; the pointer history is the flip log; rollback moves only the pointer', async () => {
      await setup();
      const [a, b] = [proposal(443), proposal(22)];
      await stores.proposals.create(keys.proposal('acme', a.id), a);
      await stores.proposals.create(keys.proposal('acme', b.id), b);
      expect(await approve(a)).toEqual({ ok: true, proposalId: a.id, status: 'applied', version: 1 });
      expect(await approve(b)).toMatchObject({ ok: true, version: 2 });
      const v2 = await stores.matrix.get(keys.matrixVersion('acme', 2));
      expect(v2?.value).toMatchObject({ version: 2, parent: 1, proposals: [b.id], author: 'ann' });
      expect(v2?.value.matrix.cells[0]?.aces.map((x) => x.dstPort)).toEqual([22, 443]);

      expect(await ask('rollback', { version: 1, by: 'root', channel: 'cli', reason: 'bad change' })).toEqual(
        { ok: true, version: 1 },
      );
      const current = await currentMatrix(stores, 'acme');
      expect(current.version?.version).toBe(1);
      const flips = await stores.pointer.history(keys.matrixCurrent('acme'));
      expect(flips.map((f) => f.value.version)).toEqual([1, 2, 1]);
      expect(flips.at(-1)?.value.reason).toBe('rollback: bad change');

      // After a rollback the next approval gets a new number, parented on the live version.
      const c = proposal(80);
      await stores.proposals.create(keys.proposal('acme', c.id), c);
      expect(await approve(c)).toMatchObject({ ok: true, version: 3 });
      expect((await stores.matrix.get(keys.matrixVersion('acme', 3)))?.value.parent).toBe(1);
    });

    test('a rollback marks what it took out rolled back; a roll forward applies it again', async () => {
      await setup();
      const [a, b] = [proposal(443), proposal(22)];
      await stores.proposals.create(keys.proposal('acme', a.id), a);
      await stores.proposals.create(keys.proposal('acme', b.id), b);
      await approve(a);
      await approve(b);
      const status = async (p: Proposal) => (await stores.proposals.get(keys.proposal('acme', p.id)))?.value;

      expect(await ask('rollback', { version: 1, by: 'root', channel: 'cli', reason: 'bad change' })).toEqual(
        {
          ok: true,
          version: 1,
        },
      );
      expect(await status(a)).toMatchObject({ status: 'applied', appliedVersion: 1 });
      const back = await status(b);
      expect(back).toMatchObject({ status: 'rolled_back', appliedVersion: 2, decision: { by: 'ann' } });
      expect(back?.history.at(-1)).toMatchObject({ status: 'rolled_back', by: 'root', channel: 'cli' });
      expect(back?.history.at(-1)?.note).toContain('version 2 is no longer live (version 1 is)');
      const rolled = await readAll(te, StreamName.Events, subjectsFor(te.ns).proposal('acme', 'rolled-back'));
      expect(rolled.map((m) => (m.json as { data: { proposalId: string } }).data.proposalId)).toEqual([b.id]);

      // Forward again: the proposal is applied again, by the version that carries it.
      expect(
        await ask('rollback', { version: 2, by: 'root', channel: 'cli', reason: 'it was fine' }),
      ).toMatchObject({
        ok: true,
        version: 2,
      });
      const forward = await status(b);
      expect(forward).toMatchObject({ status: 'applied', appliedVersion: 2, decision: { by: 'ann' } });
      expect(forward?.history.map((h) => h.status)).toEqual([
        'pending',
        'approved',
        'applied',
        'rolled_back',
        'applied',
      ]);
      const applied = await readAll(te, StreamName.Events, subjectsFor(te.ns).proposal('acme', 'applied'));
      expect(applied).toHaveLength(3);
      const audit = await readAll(te, StreamName.Audit, subjectsFor(te.ns).audit('acme'));
      const actions = audit.map((m) => (m.json as { data: { action: string; object: string } }).data);
      expect(actions.filter((x) => x.object === b.id).map((x) => x.action)).toEqual([
        'proposal.approved',
        'proposal.rolled_back',
        'proposal.applied',
      ]);
      // Every move of the pointer is a new generation, even to a version that was live before.
      const flips = await stores.pointer.history(keys.matrixCurrent('acme'));
      expect(flips.map((f) => [f.value.version, f.value.generation])).toEqual([
        [1, 1],
        [2, 2],
        [1, 3],
        [2, 4],
      ]);
    });

    test('a keeper that died between moving the pointer and marking is repaired by the scheduler', async () => {
      await setup();
      const [a, b] = [proposal(443), proposal(22)];
      await stores.proposals.create(keys.proposal('acme', a.id), a);
      await stores.proposals.create(keys.proposal('acme', b.id), b);
      await approve(a);
      await approve(b);
      // The pointer moved back to 1, and nothing else happened.
      const pointer = (await stores.pointer.get(keys.matrixCurrent('acme')))!;
      await stores.pointer.update(
        keys.matrixCurrent('acme'),
        { ...pointer.value, version: 1, generation: 3, reason: 'rollback: crash' },
        pointer.revision,
      );
      const scheduler = new Scheduler({
        stores,
        log: te.engine.log,
        subjects: subjectsFor(te.ns),
        logger: silentLogger(),
      });
      expect(await scheduler.tick()).toMatchObject({ reconciled: 1 });
      expect((await stores.proposals.get(keys.proposal('acme', b.id)))?.value).toMatchObject({
        status: 'rolled_back',
        history: expect.arrayContaining([
          expect.objectContaining({ status: 'rolled_back', by: 'scheduler' }),
        ]),
      });
      expect((await scheduler.tick()).reconciled).toBe(0);
    });

    test('a decision names the ACEs it saw: after the proposal grew it is refused as stale', async () => {
      await setup();
      const p = proposal(443);
      await stores.proposals.create(keys.proposal('acme', p.id), p);
      const seen = aceFingerprint(p.aces);
      const grown = proposal(443, { aces: [...p.aces, ...proposal(22).aces] });
      const found = await stores.proposals.get(keys.proposal('acme', p.id));
      await stores.proposals.update(keys.proposal('acme', p.id), { ...grown, id: p.id }, found!.revision);
      const stale = await ask('decide', {
        proposalId: p.id,
        decision: 'approve',
        by: 'ann',
        channel: 'api',
        aces: seen,
      });
      expect(stale).toMatchObject({ ok: false, code: 'STALE' });
      expect(await stores.matrix.keys('acme.v.*')).toEqual([]);
      expect((await stores.proposals.get(keys.proposal('acme', p.id)))?.value.status).toBe('pending');
      const current = aceFingerprint(grown.aces);
      expect(
        await ask('decide', {
          proposalId: p.id,
          decision: 'approve',
          by: 'ann',
          channel: 'api',
          aces: current,
        }),
      ).toMatchObject({ ok: true, version: 1 });
    });

    test('50 concurrent approvals of one proposal make exactly one version', async () => {
      await setup();
      const p = proposal(443);
      await stores.proposals.create(keys.proposal('acme', p.id), p);
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => approve(p, `user${i}`)));
      const ok = replies.filter((r) => r.ok);
      expect(ok).toHaveLength(1);
      expect(replies.filter((r) => !r.ok && r.code === 'ALREADY_DECIDED')).toHaveLength(49);
      expect(await stores.matrix.keys('acme.v.*')).toEqual(['acme.v.1']);
      const applied = await stores.proposals.get(keys.proposal('acme', p.id));
      expect(applied?.value).toMatchObject({ status: 'applied', appliedVersion: 1 });
    });

    test('rejection leaves the matrix alone and is recorded with who, why and where', async () => {
      await setup();
      const p = proposal(443);
      await stores.proposals.create(keys.proposal('acme', p.id), p);
      const reply = await ask('decide', {
        proposalId: p.id,
        decision: 'reject',
        by: 'bob',
        channel: 'webex',
        reason: 'not ours',
      });
      expect(reply).toEqual({ ok: true, proposalId: p.id, status: 'rejected' });
      expect((await currentMatrix(stores, 'acme')).pointer).toBeNull();
      expect((await approve(p)).ok).toBe(false);
      const audit = await readAll(te, StreamName.Audit, subjectsFor(te.ns).audit('acme'));
      expect(audit.map((m) => (m.json as { data: { action: string; channel: string } }).data)).toEqual([
        expect.objectContaining({ action: 'proposal.rejected', channel: 'webex' }),
      ]);
    });

    test('an approval whose version cannot be written marks the proposal failed, and says so', async () => {
      await setup();
      const p = proposal(443);
      await stores.proposals.create(keys.proposal('acme', p.id), p);
      // A pointer no version of this product wrote: the keeper must not build on it.
      await stores.pointer.raw.put(
        keys.matrixCurrent('acme'),
        new TextEncoder().encode('{"version":"seven"}'),
      );
      const reply = await approve(p);
      expect(reply).toMatchObject({ ok: false, code: 'APPLY_FAILED' });
      expect((await stores.proposals.get(keys.proposal('acme', p.id)))?.value).toMatchObject({
        status: 'failed',
      });
      expect(
        await readAll(te, StreamName.Events, subjectsFor(te.ns).proposal('acme', 'failed')),
      ).toHaveLength(1);
    });

    test('four eyes, unknown proposals and bad requests get clear answers', async () => {
      await setup();
      const manual = proposal(443, { triggers: [{ trigger: 'manual', ref: 'm1' }], createdBy: 'ann' });
      await stores.proposals.create(keys.proposal('acme', manual.id), manual);
      expect(await approve(manual, 'ann')).toMatchObject({ ok: false, code: 'FOUR_EYES' });
      expect(await approve(proposal(1), 'ann')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
      expect(await ask('decide', { proposalId: 'x', decision: 'maybe' })).toMatchObject({
        ok: false,
        code: 'BAD_REQUEST',
      });
      expect(await ask('rollback', { version: 9, by: 'a', channel: 'cli', reason: 'r' })).toMatchObject({
        ok: false,
        code: 'NOT_FOUND',
      });
    });
  });
}

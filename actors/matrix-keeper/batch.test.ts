import { afterEach, describe, expect, test } from 'bun:test';
import type { ContractAce } from '../../domain/contracts.ts';
import { aceFingerprint, idempotencyKey, type Proposal, proposalIdFor } from '../../domain/proposal.ts';
import { currentMatrix, keys, matrixVersions, openStores, type Stores } from '../../kv-schema/mod.ts';
import { type DecideManyReply, StreamName, subjectsFor } from '../../streams/mod.ts';
import { readAll } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { serveMatrixKeeper } from './actor.ts';

function proposal(sgt: number, dgt: number, dstPort: number, over: Partial<Proposal> = {}): Proposal {
  const flowId = `${sgt}-${dgt}-tcp-any-${dstPort}`;
  const aces: ContractAce[] = [
    {
      action: 'permit',
      protocol: 'tcp',
      dstPort,
      hits: 5,
      events: 1,
      flowIds: [flowId],
      conflict: false,
      decision: { flowId, category: 'default', source: 'heuristic', risk: 'low', rationale: 'dns' },
    },
  ];
  const key = idempotencyKey('acme', `scan-${flowId}`, sgt, dgt, aces);
  return {
    id: proposalIdFor(key),
    tenant: 'acme',
    idempotencyKey: key,
    sgt,
    dgt,
    aces,
    evidence: [],
    triggers: [{ trigger: 'scan', ref: `scan-${flowId}` }],
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
  suite(`batch decisions on ${flavour.name}`, () => {
    let te: TestEngine;
    let stores: Stores;
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
      await te?.dispose();
    });

    async function setup(): Promise<void> {
      te = await flavour.open();
      stores = await openStores(te.engine, te.ns);
      stops.push(serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns), true).stop);
    }

    async function ask(body: unknown): Promise<DecideManyReply> {
      const subject = subjectsFor(te.ns).command('acme', 'decide-many');
      const reply = await te.engine.rpc.request(
        subject,
        new TextEncoder().encode(JSON.stringify(body)),
        60_000,
      );
      return JSON.parse(new TextDecoder().decode(reply));
    }

    const audits = async () =>
      (await readAll(te, StreamName.Audit, subjectsFor(te.ns).audit('acme'))).map(
        (m) => (m.json as { data: { action: string; object: string; detail: Record<string, unknown> } }).data,
      );

    test('100 approvals decided together: 100 audited decisions and one version', async () => {
      await setup();
      const many = Array.from({ length: 100 }, (_, i) =>
        proposal(10 + (i % 10), 20 + Math.floor(i / 10), 53),
      );
      for (const p of many) await stores.proposals.create(keys.proposal('acme', p.id), p);
      const reply = await ask({
        decision: 'approve',
        by: 'ann',
        channel: 'api',
        reason: 'infrastructure',
        proposals: many.map((p) => ({ proposalId: p.id, aces: aceFingerprint(p.aces) })),
      });
      expect(reply).toMatchObject({ ok: true, decision: 'approve', version: 1 });
      if (!reply.ok) throw new Error('refused');
      expect(reply.outcomes).toHaveLength(100);
      expect(reply.outcomes.every((o) => o.ok && o.status === 'applied')).toBe(true);
      expect(await matrixVersions(stores, 'acme')).toEqual([1]);
      const live = await currentMatrix(stores, 'acme');
      expect(live.version?.proposals).toHaveLength(100);
      expect(live.version?.matrix.cells).toHaveLength(100);
      const log = await audits();
      const approved = log.filter((a) => a.action === 'proposal.approved');
      expect(new Set(approved.map((a) => a.object))).toEqual(new Set(many.map((p) => p.id)));
      expect(log.filter((a) => a.action === 'matrix.version')).toHaveLength(1);
      const applied = await readAll(te, StreamName.Events, subjectsFor(te.ns).proposal('acme', 'applied'));
      expect(applied).toHaveLength(100);
      const changed = await readAll(te, StreamName.Events, subjectsFor(te.ns).matrixChanged('acme'));
      expect(changed).toHaveLength(1);
      for (const p of many)
        expect((await stores.proposals.get(keys.proposal('acme', p.id)))?.value).toMatchObject({
          status: 'applied',
          appliedVersion: 1,
        });
    });

    test('each proposal is checked on its own: stale, four-eyes, already decided, missing', async () => {
      await setup();
      const good = proposal(10, 20, 53);
      const stale = proposal(10, 21, 123);
      const own = proposal(10, 22, 1812, {
        createdBy: 'ann',
        triggers: [{ trigger: 'manual', ref: 'r1' }],
      });
      const done = proposal(10, 23, 53, { status: 'rejected' });
      for (const p of [good, stale, own, done]) await stores.proposals.create(keys.proposal('acme', p.id), p);
      const reply = await ask({
        decision: 'approve',
        by: 'ann',
        channel: 'ui',
        proposals: [
          { proposalId: good.id },
          { proposalId: stale.id, aces: '0123456789abcdef' },
          { proposalId: own.id },
          { proposalId: done.id },
          { proposalId: 'nope' },
        ],
      });
      if (!reply.ok) throw new Error('refused');
      expect(reply.version).toBe(1);
      expect(reply.outcomes.map((o) => [o.ok, o.status ?? o.code])).toEqual([
        [true, 'applied'],
        [false, 'STALE'],
        [false, 'FOUR_EYES'],
        [false, 'ALREADY_DECIDED'],
        [false, 'NOT_FOUND'],
      ]);
      expect((await currentMatrix(stores, 'acme')).version?.proposals).toEqual([good.id]);
      expect((await audits()).filter((a) => a.action.startsWith('proposal.')).map((a) => a.object)).toEqual([
        good.id,
      ]);
    });

    test('a batch rejection writes no version; a listed-twice or empty batch is a bad request', async () => {
      await setup();
      const [a, b] = [proposal(10, 20, 53), proposal(10, 21, 123)];
      for (const p of [a, b]) await stores.proposals.create(keys.proposal('acme', p.id), p);
      const reply = await ask({
        decision: 'reject',
        by: 'ann',
        channel: 'cli',
        reason: 'not now',
        proposals: [{ proposalId: a.id }, { proposalId: b.id }],
      });
      expect(reply).toMatchObject({ ok: true, version: null });
      if (!reply.ok) throw new Error('refused');
      expect(reply.outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(await matrixVersions(stores, 'acme')).toEqual([]);
      expect(
        await ask({
          decision: 'reject',
          by: 'ann',
          channel: 'cli',
          proposals: [{ proposalId: a.id }, { proposalId: a.id }],
        }),
      ).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
      expect(await ask({ decision: 'approve', by: 'ann', channel: 'cli', proposals: [] })).toMatchObject({
        ok: false,
        code: 'BAD_REQUEST',
      });
    });
  });
}

/** REST /api/v1/proposals on both engines, decisions through a running matrix keeper. */
import { afterEach, describe, expect, test } from 'bun:test';
import type { ProposalRecord } from '../../kv-schema/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import {
  approve,
  createManual,
  expectGuarded,
  expectProblem,
  inventoryRecord,
  json,
  OVERSIZED,
  type RestHarness,
  seedFlows,
  startRest,
  TOKENS,
} from '../../test/support/rest-api.ts';
import { replyResponse } from './commands.ts';
import type { ProposalView } from './proposals.ts';

const MANUAL = {
  sgt: 10,
  dgt: 20,
  aces: [
    { action: 'permit', protocol: '6', dstPort: 443 },
    { action: 'deny', protocol: 'udp', dstPort: 69 },
  ],
  reason: 'clients browse the intranet; TFTP stays closed',
};

test('keeper replies map to HTTP statuses', async () => {
  const cases = [
    ['NOT_FOUND', 404],
    ['ALREADY_DECIDED', 409],
    ['INVALID_TRANSITION', 409],
    ['CONFLICT', 409],
    ['FOUR_EYES', 403],
    ['BAD_REQUEST', 400],
    ['APPLY_FAILED', 500],
  ] as const;
  for (const [code, status] of cases) {
    const res = replyResponse({ ok: false, code, message: 'm' });
    expect((await expectProblem(res, status)).code).toBe(code);
  }
  expect(replyResponse({ ok: true, proposalId: 'p-1', status: 'rejected' }).status).toBe(200);
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST proposals on ${flavour.name}`, () => {
    let h: RestHarness;
    afterEach(async () => {
      await h?.stop();
    });

    const get = async (id: string, token: string = TOKENS.viewer) =>
      h.api.request(`/api/v1/proposals/${id}`, { token });

    test('POST /proposals files a manual proposal with evidence; never overwrites one', async () => {
      h = await startRest(flavour);
      await seedFlows(h, 'acme', [inventoryRecord('10-20-tcp-any-443', { hits: 300 })]);
      const res = await h.api.request('/api/v1/proposals', json(MANUAL, TOKENS.operator));
      expect(res.status).toBe(201);
      const p = (await res.json()) as ProposalRecord;
      expect(res.headers.get('location')).toBe(`/api/v1/proposals/${p.id}`);
      expect(p).toMatchObject({ tenant: 'acme', sgt: 10, dgt: 20, status: 'pending', rare: false });
      expect(p.id).toMatch(/^p-[0-9a-f]{20}$/);
      expect(p.triggers[0]?.trigger).toBe('manual');
      expect(p.createdBy).toStartWith('key:');
      expect(p.expiresAtMs - p.createdAtMs).toBe(72 * 3_600_000);
      // Denies first; `6` is tcp; the permit carries the inventory's evidence.
      expect(p.aces.map((a) => [a.action, a.protocol, a.dstPort, a.hits])).toEqual([
        ['deny', 'udp', 69, 0],
        ['permit', 'tcp', 443, 300],
      ]);
      expect(p.evidence.map((e) => e.flowId)).toEqual(['10-20-tcp-any-443']);
      expect((await (await get(p.id)).json()) as ProposalView).toEqual({
        ...p,
        aceFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      });

      // The same request again (same Idempotency-Key): the same proposal, untouched.
      const keyed = {
        ...json(MANUAL, TOKENS.operator),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'req-1' },
      };
      const first = (await (await h.api.request('/api/v1/proposals', keyed)).json()) as ProposalRecord;
      const again = await h.api.request('/api/v1/proposals', keyed);
      expect(again.status).toBe(200);
      expect(((await again.json()) as ProposalRecord).createdAtMs).toBe(first.createdAtMs);
      // Someone else with that key would land on the same id: refused, not overwritten.
      const other = await h.api.request('/api/v1/proposals', { ...keyed, token: TOKENS.admin });
      expect((await expectProblem(other, 409)).proposalId).toBe(first.id);
    });

    test('POST /proposals: auth, bad input, oversized body', async () => {
      h = await startRest(flavour);
      await expectGuarded(h.api, 'POST', '/api/v1/proposals', 'operator', MANUAL);
      const bad: unknown[] = [
        'not json',
        { ...MANUAL, reason: undefined },
        { ...MANUAL, reason: '   ' },
        { ...MANUAL, sgt: 70000 },
        { ...MANUAL, aces: [] },
        { ...MANUAL, aces: [{ action: 'permit', protocol: 'icmp', dstPort: 8 }] },
        { ...MANUAL, aces: [{ action: 'allow', protocol: 'tcp' }] },
        { ...MANUAL, aces: [{ action: 'permit', protocol: '300' }] },
      ];
      for (const body of bad)
        await expectProblem(await h.api.request('/api/v1/proposals', json(body, TOKENS.operator)), 400);
      const badKey = {
        ...json(MANUAL, TOKENS.operator),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'has space' },
      };
      await expectProblem(await h.api.request('/api/v1/proposals', badKey), 400);
      await expectProblem(await h.api.request('/api/v1/proposals', json(OVERSIZED, TOKENS.operator)), 413);
    });

    test('GET /proposals lists newest first with status and limit; GET one', async () => {
      h = await startRest(flavour);
      const a = await createManual(h.api, { port: 443 });
      const b = await createManual(h.api, { port: 8443 });
      const c = await createManual(h.api, { sgt: 30, port: 22 });
      const reject = json({ reason: 'nope' }, TOKENS.operator);
      expect((await h.api.request(`/api/v1/proposals/${b.id}/reject`, reject)).status).toBe(200);
      const all = await (await h.api.request('/api/v1/proposals', { token: TOKENS.viewer })).json();
      expect(all.total).toBe(3);
      expect(all.items.map((p: ProposalRecord) => p.id).sort()).toEqual([a.id, b.id, c.id].sort());
      const pending = await (
        await h.api.request('/api/v1/proposals?status=pending', { token: TOKENS.viewer })
      ).json();
      expect(pending.items.map((p: ProposalRecord) => p.id).sort()).toEqual([a.id, c.id].sort());
      // `open`, as the dashboard's filter says it: pending or notified.
      const open = await (
        await h.api.request('/api/v1/proposals?status=open', { token: TOKENS.viewer })
      ).json();
      expect(open.items.map((p: ProposalRecord) => p.id).sort()).toEqual([a.id, c.id].sort());
      const openOrRejected = await (
        await h.api.request('/api/v1/proposals?status=open,rejected', { token: TOKENS.viewer })
      ).json();
      expect(openOrRejected.total).toBe(3);
      const both = await (
        await h.api.request('/api/v1/proposals?status=rejected,pending&limit=1', { token: TOKENS.viewer })
      ).json();
      expect(both.total).toBe(3);
      expect(both.items).toHaveLength(1);
      // Every status of the lifecycle is a filter, rolled_back included.
      const rolledBack = await h.api.request('/api/v1/proposals?status=rolled_back,applied', {
        token: TOKENS.viewer,
      });
      expect(rolledBack.status).toBe(200);
      expect((await rolledBack.json()).total).toBe(0);
      expect((await get(a.id)).status).toBe(200);

      await expectGuarded(h.api, 'GET', '/api/v1/proposals', 'viewer');
      await expectGuarded(h.api, 'GET', `/api/v1/proposals/${a.id}`, 'viewer');
      for (const q of ['?status=opened', '?status=open,', '?limit=0', '?limit=1001', '?limit=x']) {
        await expectProblem(await h.api.request(`/api/v1/proposals${q}`, { token: TOKENS.viewer }), 400);
      }
      await expectProblem(await get('bad%20id'), 400);
      await expectProblem(await get('p-nothing'), 404);
      // Another tenant's proposal does not exist for globex, and its list is empty.
      await expectProblem(await get(a.id, TOKENS.other), 404);
      const theirs = await (await h.api.request('/api/v1/proposals', { token: TOKENS.other })).json();
      expect(theirs).toEqual({ total: 0, items: [] });
    });

    test('approve → applied; matrix version 1 in /matrix and /matrix/versions', async () => {
      h = await startRest(flavour);
      const p = await createManual(h.api);
      const res = await approve(h.api, p.id);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, proposalId: p.id, status: 'applied', version: 1 });
      const stored = (await (await get(p.id)).json()) as ProposalRecord;
      expect(stored.status).toBe('applied');
      expect(stored.decision).toMatchObject({ channel: 'api', by: expect.stringMatching(/^key:/) });
      const matrix = await (await h.api.request('/api/v1/matrix', { token: TOKENS.viewer })).json();
      expect(matrix.version).toBe(1);
      expect(matrix.proposals).toEqual([p.id]);
      expect(matrix.matrix.cells).toHaveLength(1);
      const versions = await (
        await h.api.request('/api/v1/matrix/versions', { token: TOKENS.viewer })
      ).json();
      expect(versions.versions.map((v: { version: number }) => v.version)).toEqual([1]);
      expect(versions.flips).toHaveLength(1);
      // Decided already: 409.
      await expectProblem(await approve(h.api, p.id), 409);
    });

    test('approve what you read: GET names the ACE fingerprint; a stale one is 409 STALE, nothing applied', async () => {
      h = await startRest(flavour);
      const p = await createManual(h.api);
      const view = (await (await get(p.id)).json()) as ProposalView;
      expect(view.aceFingerprint).toMatch(/^[0-9a-f]{16}$/);
      const withAces = (aces: string) =>
        h.api.request(`/api/v1/proposals/${p.id}/approve`, json({ aces }, TOKENS.operator));
      expect((await expectProblem(await withAces('0123456789abcdef'), 409)).code).toBe('STALE');
      expect(((await (await get(p.id)).json()) as ProposalRecord).status).toBe('pending');
      await expectProblem(await withAces('not-hex'), 400);
      expect((await withAces(view.aceFingerprint)).status).toBe(200);
    });

    test('approve and reject: auth, other tenant, bad input, oversized body', async () => {
      h = await startRest(flavour);
      const p = await createManual(h.api);
      for (const verb of ['approve', 'reject']) {
        const path = `/api/v1/proposals/${p.id}/${verb}`;
        await expectGuarded(h.api, 'POST', path, 'operator', { reason: 'r' });
        await expectProblem(await h.api.request(path, json({ reason: 'r' }, TOKENS.other)), 404);
        await expectProblem(
          await h.api.request(`/api/v1/proposals/p-missing/${verb}`, json({ reason: 'r' }, TOKENS.operator)),
          404,
        );
        await expectProblem(
          await h.api.request(`/api/v1/proposals/bad%21/${verb}`, json({ reason: 'r' }, TOKENS.operator)),
          400,
        );
        await expectProblem(await h.api.request(path, json({ reason: 42 }, TOKENS.operator)), 400);
        await expectProblem(await h.api.request(path, json(OVERSIZED, TOKENS.operator)), 413);
      }
      await expectProblem(
        await h.api.request(`/api/v1/proposals/${p.id}/reject`, json({}, TOKENS.operator)),
        400,
      );
      expect(((await (await get(p.id)).json()) as ProposalRecord).status).toBe('pending');
    });

    test('reject with a reason; a second decision is a conflict', async () => {
      h = await startRest(flavour);
      const p = await createManual(h.api);
      const res = await h.api.request(
        `/api/v1/proposals/${p.id}/reject`,
        json({ reason: 'not needed' }, TOKENS.operator),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, proposalId: p.id, status: 'rejected' });
      const stored = (await (await get(p.id)).json()) as ProposalRecord;
      expect(stored.status).toBe('rejected');
      expect(stored.decision?.reason).toBe('not needed');
      expect(stored.history.at(-1)).toMatchObject({ status: 'rejected', channel: 'api', note: 'not needed' });
      expect((await expectProblem(await approve(h.api, p.id), 409)).code).toBe('ALREADY_DECIDED');
      const matrix = await (await h.api.request('/api/v1/matrix', { token: TOKENS.viewer })).json();
      expect(matrix.version).toBe(0);
    });

    test('concurrent approvals over HTTP: exactly one 200, the rest 409', async () => {
      h = await startRest(flavour);
      const p = await createManual(h.api);
      const tokens = [TOKENS.operator, TOKENS.admin];
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => approve(h.api, p.id, tokens[i % 2])),
      );
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(11);
      const versions = await (
        await h.api.request('/api/v1/matrix/versions', { token: TOKENS.viewer })
      ).json();
      expect(versions.versions).toHaveLength(1);
    });

    test('four eyes: the creator of a manual proposal cannot approve it (403)', async () => {
      h = await startRest(flavour, { fourEyes: true });
      const p = await createManual(h.api, { token: TOKENS.operator });
      expect((await expectProblem(await approve(h.api, p.id, TOKENS.operator), 403)).code).toBe('FOUR_EYES');
      expect((await approve(h.api, p.id, TOKENS.admin)).status).toBe(200);
    });

    test('no matrix keeper running: 503 with Retry-After', async () => {
      h = await startRest(flavour, { keeper: false });
      const p = await createManual(h.api);
      const res = await approve(h.api, p.id);
      await expectProblem(res, 503);
      expect(res.headers.get('retry-after')).toBe('5');
    });
  });
}

/** REST cell diffs on both engines: a version against another, and a proposal's preview before approval. */
import { afterEach, describe, expect, test } from 'bun:test';
import type { MatrixCellDiff } from '../../domain/matrix-cells.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import {
  approve,
  createManual,
  expectGuarded,
  expectProblem,
  inventoryRecord,
  type RestHarness,
  seedFlows,
  startRest,
  TOKENS,
} from '../../test/support/rest-api.ts';

type VersionDiff = MatrixCellDiff & { version: number; against: number };
type Preview = MatrixCellDiff & {
  proposalId: string;
  sgt: number;
  dgt: number;
  live: number;
  aceFingerprint: string;
  status: string;
};

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST cell diffs on ${flavour.name}`, () => {
    let h: RestHarness;
    afterEach(async () => {
      await h?.stop();
    });

    const read = async <T>(path: string, token: string = TOKENS.viewer): Promise<T> => {
      const res = await h.api.request(`/api/v1${path}`, { token });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    };
    const bad = async (path: string, status = 400, token: string = TOKENS.viewer) =>
      expectProblem(await h.api.request(`/api/v1${path}`, { token }), status);

    async function seeded(): Promise<void> {
      h = await startRest(flavour);
      await seedFlows(h, 'acme', [
        inventoryRecord('10-20-tcp-any-443', { hits: 100 }),
        inventoryRecord('10-20-tcp-any-22', { hits: 3 }),
        inventoryRecord('10-30-tcp-any-22', { hits: 7 }),
        inventoryRecord('40-50-udp-any-53', { hits: 1000 }),
      ]);
    }

    test('a proposal previewed, then approved: the version diff is exactly the preview', async () => {
      await seeded();
      const p = await createManual(h.api, { port: 443 });
      const preview = await read<Preview>(`/proposals/${p.id}/preview`);
      const view = await read<{ aceFingerprint: string }>(`/proposals/${p.id}`);
      expect(preview).toMatchObject({
        proposalId: p.id,
        status: 'pending',
        live: 0,
        aceFingerprint: view.aceFingerprint,
        identical: false,
        sources: [10],
        destinations: [20],
        totals: { added: 1, changed: 0, removed: 0, flows: 1, hits: 100, nowPermitted: 100 },
      });
      expect(preview.cells).toHaveLength(1);
      expect(preview.cells[0]).toMatchObject({ sgt: 10, dgt: 20, kind: 'added', nameBefore: null });
      expect(preview.cells[0]?.aces).toEqual([
        {
          kind: 'added',
          before: null,
          after: { action: 'permit', protocol: 'tcp', dstPort: 443 },
          flows: [
            {
              flowId: '10-20-tcp-any-443',
              hits: 100,
              before: 'uncovered',
              after: 'permitted',
              service: null,
            },
          ],
          flowCount: 1,
          hits: 100,
        },
      ]);

      expect((await approve(h.api, p.id)).status).toBe(200);
      const v1 = await read<VersionDiff>('/matrix/versions/1/diff');
      expect(v1.version).toBe(1);
      expect(v1.against).toBe(0);
      const { version: _v, against: _a, ...cells } = v1;
      const {
        proposalId: _p,
        status: _s,
        sgt: _g,
        dgt: _d,
        live: _l,
        aceFingerprint: _f,
        ...previewed
      } = preview;
      expect(cells).toEqual(previewed);
      // In force now: approving it again would change nothing.
      expect(await read<Preview>(`/proposals/${p.id}/preview`)).toMatchObject({
        live: 1,
        status: 'applied',
        identical: true,
        cells: [],
      });
    });

    test('GET /matrix/versions/{n}/diff: against its parent, another version, or the empty matrix', async () => {
      await seeded();
      expect((await approve(h.api, (await createManual(h.api, { port: 443 })).id)).status).toBe(200);
      expect((await approve(h.api, (await createManual(h.api, { dgt: 30, port: 22 })).id)).status).toBe(200);
      const v2 = await read<VersionDiff>('/matrix/versions/2/diff');
      expect(v2.against).toBe(1);
      expect(v2.cells.map((c) => [c.sgt, c.dgt, c.kind])).toEqual([[10, 30, 'added']]);
      expect(v2.cells[0]?.aces[0]?.flows.map((f) => f.flowId)).toEqual(['10-30-tcp-any-22']);
      const whole = await read<VersionDiff>('/matrix/versions/2/diff?against=0');
      expect(whole.cells.map((c) => c.dgt)).toEqual([20, 30]);
      expect(whole.destinations).toEqual([20, 30]);
      expect(whole.totals).toMatchObject({ added: 2, flows: 2, hits: 107, nowPermitted: 107 });
      const back = await read<VersionDiff>('/matrix/versions/1/diff?against=2');
      expect(back.cells[0]).toMatchObject({ sgt: 10, dgt: 30, kind: 'removed', nameAfter: null });
      expect(back.cells[0]?.aces[0]?.flows[0]).toMatchObject({ before: 'permitted', after: 'uncovered' });
      const listed = await read<VersionDiff>('/matrix/versions/2/diff?flows=0');
      expect(listed.cells[0]?.aces[0]).toMatchObject({ flows: [], flowCount: 1, hits: 7 });
      expect((await read<VersionDiff>('/matrix/versions/2/diff?against=2')).identical).toBe(true);
      expect((await read<VersionDiff>('/matrix/versions/0/diff')).identical).toBe(true);
    });

    test('unknown versions and proposals are problems; tenants are apart; viewers may read', async () => {
      await seeded();
      const p = await createManual(h.api, { port: 443 });
      expect((await approve(h.api, p.id)).status).toBe(200);
      await expectGuarded(h.api, 'GET', '/api/v1/matrix/versions/1/diff', 'viewer');
      await expectGuarded(h.api, 'GET', `/api/v1/proposals/${p.id}/preview`, 'viewer');
      await bad('/matrix/versions/9/diff', 404);
      await bad('/matrix/versions/1/diff?against=9', 404);
      await bad('/matrix/versions/x/diff');
      await bad('/matrix/versions/1/diff?against=-1');
      await bad('/matrix/versions/1/diff?flows=5000');
      await bad('/matrix/versions/1/diff', 404, TOKENS.other);
      await bad('/proposals/no-such-proposal/preview', 404);
      await bad('/proposals/bad%20id/preview');
      await bad(`/proposals/${p.id}/preview`, 404, TOKENS.other);
    });
  });
}

/** REST /api/v1/matrix on both engines: versions, diff, rollback, readiness, export. */
import { afterEach, describe, expect, test } from 'bun:test';
import { keys, type ReadinessSnapshot } from '../../kv-schema/mod.ts';
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

interface Cell {
  sgt: number;
  dgt: number;
  aces: { action: string; protocol: string; dstPort?: number }[];
}
interface MatrixBody {
  version: number;
  parent: number | null;
  pointer: Record<string, unknown> | null;
  live?: boolean;
  matrix: { cells: Cell[] };
}
interface VersionsBody {
  live: number;
  latest: number;
  versions: { version: number; parent: number | null; live: boolean }[];
  flips: { version: number }[];
}
interface DiffBody {
  from: number;
  added: Cell[];
  removed: Cell[];
  identical: boolean;
  defaultRule: unknown;
}
type ReadinessBody = ReadinessSnapshot & { source: string; at: string };

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST matrix on ${flavour.name}`, () => {
    let h: RestHarness;
    afterEach(async () => {
      await h?.stop();
    });

    const read = async <T = Record<string, unknown>>(
      path: string,
      token: string = TOKENS.viewer,
    ): Promise<T> => {
      const res = await h.api.request(`/api/v1/matrix${path}`, { token });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    };
    const bad = async (path: string, status = 400, token: string = TOKENS.viewer) =>
      expectProblem(await h.api.request(`/api/v1/matrix${path}`, { token }), status);

    /** Two approvals: v1 permits tcp/443 in 10→20, v2 adds tcp/22 in 10→30. */
    async function twoVersions(started = false): Promise<void> {
      if (!started) h = await startRest(flavour);
      expect((await approve(h.api, (await createManual(h.api, { port: 443 })).id)).status).toBe(200);
      expect((await approve(h.api, (await createManual(h.api, { dgt: 30, port: 22 })).id)).status).toBe(200);
    }

    test('GET /matrix: version 0 before any approval, then the live version with its pointer', async () => {
      h = await startRest(flavour);
      expect(await read('')).toMatchObject({
        version: 0,
        pointer: null,
        parent: null,
        proposals: [],
        matrix: { cells: [], defaultRule: 'permit ip' },
      });
      await twoVersions(true);
      const live = await read<MatrixBody>('');
      expect(live).toMatchObject({
        version: 2,
        parent: 1,
        pointer: { version: 2, latest: 2, channel: 'api' },
      });
      expect(live.matrix.cells.map((c) => c.dgt)).toEqual([20, 30]);
      await expectGuarded(h.api, 'GET', '/api/v1/matrix', 'viewer');
      // Another tenant has no matrix of its own yet.
      expect((await read('', TOKENS.other)).version).toBe(0);
    });

    test('GET /matrix/versions and /versions/{n}', async () => {
      await twoVersions();
      const list = await read<VersionsBody>('/versions');
      expect(list.live).toBe(2);
      expect(list.latest).toBe(2);
      expect(list.versions.map((v) => [v.version, v.parent, v.live])).toEqual([
        [2, 1, true],
        [1, null, false],
      ]);
      expect(list.versions[1]).toMatchObject({ channel: 'api', cells: 1, proposals: [expect.any(String)] });
      expect(list.flips.map((f) => f.version)).toEqual([2, 1]);
      const one = await read<MatrixBody>('/versions/1');
      expect(one).toMatchObject({ version: 1, live: false });
      expect(one.matrix.cells[0]?.aces[0]).toMatchObject({ action: 'permit', protocol: 'tcp', dstPort: 443 });
      await expectGuarded(h.api, 'GET', '/api/v1/matrix/versions', 'viewer');
      await expectGuarded(h.api, 'GET', '/api/v1/matrix/versions/1', 'viewer');
      await bad('/versions/0');
      await bad('/versions/abc');
      await bad('/versions/9', 404);
      await bad('/versions/1', 404, TOKENS.other);
      expect((await read<VersionsBody>('/versions', TOKENS.other)).versions).toEqual([]);
    });

    test('GET /matrix/diff between versions; 0 is the empty matrix', async () => {
      await twoVersions();
      const d = await read<DiffBody>('/diff?from=1&to=2');
      expect(d).toMatchObject({
        from: 1,
        to: 2,
        identical: false,
        removed: [],
        changed: [],
        defaultRule: null,
      });
      expect(d.added.map((c) => [c.sgt, c.dgt])).toEqual([[10, 30]]);
      expect((await read('/diff')).from).toBe(1); // the live version against its parent
      const fromEmpty = await read<DiffBody>('/diff?from=0&to=2');
      expect(fromEmpty.added).toHaveLength(2);
      expect(fromEmpty.defaultRule).toBeNull();
      const back = await read<DiffBody>('/diff?from=2&to=1');
      expect(back.removed).toHaveLength(1);
      expect((await read('/diff?from=2&to=2')).identical).toBe(true);
      await expectGuarded(h.api, 'GET', '/api/v1/matrix/diff?from=1&to=2', 'viewer');
      await bad('/diff?from=x');
      await bad('/diff?to=-1');
      await bad('/diff?from=1&to=7', 404);
      await bad('/diff?from=1&to=2', 404, TOKENS.other);
    });

    test('POST /matrix/rollback moves the pointer back; the flip log records it', async () => {
      await twoVersions();
      const res = await h.api.request(
        '/api/v1/matrix/rollback',
        json({ version: 1, reason: 'ssh broke' }, TOKENS.admin),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, version: 1 });
      const live = await read<MatrixBody>('');
      expect(live.version).toBe(1);
      expect(live.pointer).toMatchObject({ version: 1, latest: 2, reason: 'rollback: ssh broke' });
      const list = await read<VersionsBody>('/versions');
      expect(list.live).toBe(1);
      expect(list.flips.map((f) => f.version)).toEqual([1, 2, 1]);
      // A new approval builds on the live version and takes the next number.
      const p = await createManual(h.api, { port: 8443 });
      expect(await (await approve(h.api, p.id)).json()).toMatchObject({ version: 3 });
      expect((await read('/versions/3')).parent).toBe(1);
    });

    test('POST /matrix/rollback: admin only, other tenant, bad input, oversized body', async () => {
      await twoVersions();
      const path = '/api/v1/matrix/rollback';
      await expectGuarded(h.api, 'POST', path, 'admin', { version: 1, reason: 'r' });
      await expectProblem(await h.api.request(path, json({ version: 1, reason: 'r' }, TOKENS.other)), 404);
      await expectProblem(await h.api.request(path, json({ version: 9, reason: 'r' }, TOKENS.admin)), 404);
      for (const body of [
        { version: 0, reason: 'r' },
        { version: 1 },
        { version: '1', reason: 'r' },
        { version: 1, reason: ' ' },
        'nope',
      ]) {
        await expectProblem(await h.api.request(path, json(body, TOKENS.admin)), 400);
      }
      await expectProblem(await h.api.request(path, json(OVERSIZED, TOKENS.admin)), 413);
      expect((await read('')).version).toBe(2);
    });

    test('GET /matrix/readiness: computed without a snapshot, the snapshot while it is current', async () => {
      h = await startRest(flavour);
      await seedFlows(h, 'acme', [
        inventoryRecord('10-20-tcp-any-443', { hits: 95 }),
        inventoryRecord('10-20-udp-any-53', { hits: 5 }),
      ]);
      const before = await read<ReadinessBody>('/readiness');
      expect(before).toMatchObject({
        source: 'computed',
        version: 0,
        ratio: 0,
        totalHits: 100,
        criticalBlockers: 1,
      });
      expect(before.blockers.map((b) => b.flowId)).toEqual(['10-20-tcp-any-443', '10-20-udp-any-53']);
      expect(before.blockers[1]).toMatchObject({ service: 'DNS', critical: true });
      expect((await approve(h.api, (await createManual(h.api, { port: 443 })).id)).status).toBe(200);
      const after = await read<ReadinessBody>('/readiness');
      expect(after).toMatchObject({ source: 'computed', version: 1, ratio: 0.95, coveredHits: 95 });
      const { source: _source, at: _at, ...measured } = after;
      const snapshot = { ...measured, atMs: 1_000, ratio: 0.5 };
      await h.api.stores.readiness.put(keys.readiness('acme'), snapshot);
      expect(await read('/readiness')).toMatchObject({
        source: 'snapshot',
        ratio: 0.5,
        at: '1970-01-01T00:00:01.000Z',
      });
      // A snapshot of another version is stale: measured again.
      await h.api.stores.readiness.put(keys.readiness('acme'), { ...snapshot, version: 0 });
      expect((await read('/readiness')).source).toBe('computed');
      await expectGuarded(h.api, 'GET', '/api/v1/matrix/readiness', 'viewer');
      expect(await read('/readiness', TOKENS.other)).toMatchObject({ totalHits: 0, ratio: 1, blockers: [] });
    });

    test("GET /matrix/export says what is true of the version: its own default, the inventory's figures", async () => {
      await twoVersions();
      await seedFlows(h, 'acme', [
        inventoryRecord('10-20-tcp-any-443', { hits: 600, events: 30 }),
        inventoryRecord('10-30-tcp-any-22', { hits: 200, events: 8 }),
        inventoryRecord('10-20-tcp-any-8443', { hits: 54, events: 3 }),
      ]);
      const text = async (query: string) =>
        (await h.api.request(`/api/v1/matrix/export?${query}`, { token: TOKENS.viewer })).text();

      const md = await text('format=markdown');
      expect(md).toContain('- **Default rule:** `permit ip`');
      expect(md).toContain('## Default rule\n\n`permit ip`');
      expect(md).not.toContain('anything no contract permits is dropped');
      expect(md).not.toContain('lines read');
      expect(md).toContain(
        '3 flows, 854 hits, 41 SGACLHIT events: 2 flows (800 hits) permitted by a contract',
      );
      expect(md).toContain('1 flow (54 hits) matched by none and left to the default');
      expect(md).toContain('600 hits in 1 flow');
      expect(md).toContain('- **Version:** 2, the live one.');
      expect(await text('format=markdown&version=1')).toContain('not live (version 2 is)');

      const doc = JSON.parse(await text('format=json'));
      expect(doc).toMatchObject({
        version: 2,
        live: true,
        defaultRule: 'permit ip',
        inventory: {
          flows: 3,
          hits: 854,
          permitted: { flows: 2, hits: 800 },
          uncovered: { flows: 1, hits: 54 },
        },
      });
      expect(doc.stats).toBeUndefined();
      const web = doc.contracts.find((c: { dgt: number }) => c.dgt === 20);
      expect(web.aces[0]).toMatchObject({ hits: 600, events: 30, flowIds: ['10-20-tcp-any-443'] });

      const csv = (await text('format=csv')).split('\r\n');
      expect(
        csv
          .find((l) => l.includes('dst eq 443'))
          ?.split(',')
          .slice(8, 10),
      ).toEqual(['600', '30']);

      const ios = await text('format=ios');
      expect(ios).toContain('! Segmentation Copilot: TrustSec matrix version 2 (live) for IOS-XE');
      expect(ios).toContain(
        "! The version's default is permit ip; monitor mode keeps it permitting, with logging.",
      );
      expect(ios).toContain('cts role-based permissions default ipv4 PERMIT_LOG');
      expect(ios).not.toContain('from 0 observed hits');
      expect(await text('format=ios&mode=enforce')).toContain('enforce mode flips it to deny ip');

      const ise = JSON.parse(await text('format=ise'));
      expect(ise.defaultCell.EgressMatrixCell.defaultRule).toBe('PERMIT_IP');
      expect(ise.notes.join('\n')).toContain('Matrix version 2 (live), whose default is permit ip');
      expect(ise.sgacls[0].Sgacl.description).toContain('600 hits in the inventory');
    });

    test('GET /matrix/export in every format, with content type and filename', async () => {
      await twoVersions();
      const res = await h.api.request('/api/v1/matrix/export?format=ios&mode=enforce', {
        token: TOKENS.viewer,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toStartWith('text/plain');
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="acme-matrix-v2-enforce.ios"',
      );
      const ios = await res.text();
      expect(ios).toContain('permit tcp dst eq 443');
      expect(ios).toContain('permit tcp dst eq 22');
      expect(ios).toContain('cts role-based permissions default ipv4 DENY_LOG');
      const v1 = await h.api.request('/api/v1/matrix/export?format=csv&version=1', { token: TOKENS.viewer });
      expect(v1.headers.get('content-disposition')).toBe('attachment; filename="acme-matrix-v1.csv"');
      expect(await v1.text()).not.toContain('dst eq 22');
      const md = await h.api.request('/api/v1/matrix/export', { token: TOKENS.viewer });
      expect(md.headers.get('content-type')).toStartWith('text/markdown');
      expect(await md.text()).toContain('version 2');
      const doc = await (
        await h.api.request('/api/v1/matrix/export?format=json', { token: TOKENS.viewer })
      ).json();
      expect(doc.contracts).toHaveLength(2);
      const ise = await h.api.request('/api/v1/matrix/export?format=ise&version=1', { token: TOKENS.viewer });
      expect(ise.headers.get('content-disposition')).toBe(
        'attachment; filename="acme-matrix-v1-monitor.ise.json"',
      );
      expect(JSON.parse(await ise.text())).toBeObject();
      const empty = await h.api.request('/api/v1/matrix/export?format=json', { token: TOKENS.other });
      expect(empty.headers.get('content-disposition')).toBe('attachment; filename="globex-matrix-v0.json"');

      await expectGuarded(h.api, 'GET', '/api/v1/matrix/export', 'viewer');
      await bad('/export?format=xml');
      await bad('/export?mode=audit');
      await bad('/export?version=x');
      await bad('/export?version=9', 404);
      await bad('/export?version=1', 404, TOKENS.other);
    });
  });
}

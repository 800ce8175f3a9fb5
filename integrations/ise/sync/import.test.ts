/**
 * Import against the ISE simulator, on both engines: tags over several pages
 * into the dictionary, cells and SGACLs into a version (source ise) whose
 * ACEs round-trip exactly, verbatim lines kept, shared SGACLs remembered,
 * and an unchanged ISE imported again makes no new version.
 */
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { aceText } from '../../../domain/ace.ts';
import type { Matrix } from '../../../domain/matrix.ts';
import { sgaclContent } from '../../../domain/sgacl-text.ts';
import { currentMatrix, keys, openIseSyncStores } from '../../../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../../../streams/mod.ts';
import { readAll } from '../../../test/support/actors.ts';
import { FLAVOURS } from '../../../test/support/engines.ts';
import { describeNats } from '../../../test/support/nats.ts';
import { IseErrorCode, isIseError } from '../errors.ts';
import { makeCertificates, type SimulatorCertificates } from '../simulator/certs.ts';
import {
  adminCell,
  approve,
  closeFixture,
  openFixture,
  type SyncFixture,
  simCell,
  TENANT,
} from './testing.ts';

let certificates: SimulatorCertificates;
beforeAll(async () => {
  certificates = await makeCertificates();
});

const RANGES = 'permit tcp dst range 8000 8080\npermit udp src eq 53 dst eq 53 log\ndeny tcp dst gt 1023 log';
const LEGACY = 'permit tcp dst eq www\ndeny ip log';

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`ISE import on ${flavour.name}`, () => {
    let f: SyncFixture | undefined;
    afterEach(async () => {
      await closeFixture(f);
      f = undefined;
    });

    test("class=<id> in an SGT description sets the tag's class; no class keeps one set before", async () => {
      f = await openFixture(flavour, certificates, { sim: { tags: 2 } });
      const { sim, sync, stores } = f;
      const line = sim.state.createSgt({
        name: 'LINE3_CELL7',
        description: 'Press line 3 class=ot.plc',
        value: 2000,
      });
      sim.state.createSgt({ name: 'Kiosks', description: 'lobby kiosks', value: 2001 });
      await stores.sgt.put(keys.sgt(TENANT, 2001), {
        name: 'Kiosks',
        updatedBy: 'admin',
        updatedAt: new Date(0).toISOString(),
        class: 'iot.display',
      });
      await sync.import(TENANT, 'root', 'cli');
      expect((await stores.sgt.get(keys.sgt(TENANT, 2000)))?.value).toMatchObject({
        name: 'LINE3_CELL7',
        class: 'ot.plc',
        updatedBy: 'ise',
      });
      expect((await stores.sgt.get(keys.sgt(TENANT, 2001)))?.value.class).toBe('iot.display');
      sim.state.updateSgt(line.id, { description: 'Press line 3 class=ot.hmi' });
      await sync.import(TENANT, 'root', 'cli');
      expect((await stores.sgt.get(keys.sgt(TENANT, 2000)))?.value.class).toBe('ot.hmi');
    });

    test('250 tags over pages, cells into a version that round-trips exactly, verbatim kept, shared SGACL remembered', async () => {
      f = await openFixture(flavour, certificates, { sim: { tags: 250 } });
      const { sim, sync, stores } = f;
      adminCell(sim, 1000, 1001, [{ name: 'WEB_RANGE', aclcontent: RANGES }]);
      adminCell(sim, 1002, 1003, [{ name: 'LEGACY', aclcontent: LEGACY }], { defaultRule: 'DENY_IP' });
      adminCell(sim, 1004, 1005, [{ name: 'SHARED_WEB', aclcontent: 'permit tcp dst eq 443' }]);
      adminCell(sim, 1006, 1005, [{ name: 'SHARED_WEB', aclcontent: 'permit tcp dst eq 443' }], {
        status: 'MONITOR',
      });
      adminCell(sim, 1007, 1008, [{ name: 'Permit IP', aclcontent: '' }]);

      const report = await sync.import(TENANT, 'root', 'cli');
      expect(report).toEqual({
        tenant: TENANT,
        version: 1,
        sgts: 251,
        cells: 5,
        sgacls: 4,
        verbatim: 1,
        created: true,
      });
      // Three pages of groups, each group read by id.
      expect(sim.traffic.count('GET', '/ers/config/sgt?size=100&page=3')).toBe(1);
      expect(sim.traffic.writes).toBe(0);

      expect((await stores.sgt.get(keys.sgt(TENANT, 1249)))?.value).toMatchObject({
        name: 'SGT_250',
        updatedBy: 'ise',
      });
      expect(await stores.sgt.get(keys.sgt(TENANT, 65535))).toBeNull();

      const live = await currentMatrix(stores, TENANT);
      expect(live.version).toMatchObject({ version: 1, source: 'ise', author: 'root', channel: 'cli' });
      const cells = new Map((live.version!.matrix as Matrix).cells.map((c) => [`${c.sgt}-${c.dgt}`, c]));
      expect(sgaclContent(cells.get('1000-1001')!.aces)).toBe(RANGES);
      expect(cells.get('1000-1001')!.aces[0]).toMatchObject({
        protocol: 'tcp',
        dst: { op: 'range', ports: [8000, 8080] },
      });
      expect(cells.get('1002-1003')!.aces.map(aceText)).toEqual([
        'permit tcp dst eq www',
        'deny ip log',
        'deny ip',
      ]);
      expect(cells.get('1002-1003')!.aces[0]?.raw).toBe('permit tcp dst eq www');
      expect(cells.get('1007-1008')!.aces.map(aceText)).toEqual(['permit ip']);
      expect(cells.get('1004-1005')!.name).toBe('SGT_5_to_SGT_6');
      expect(live.version!.matrix.defaultRule).toBe('permit ip');

      // Shared SGACL: both cells' records list the same id.
      const state = await openIseSyncStores(f.te.engine, f.te.ns);
      const shared = sim.state.sgaclByName('SHARED_WEB')!.id;
      for (const pair of [
        [1004, 1005],
        [1006, 1005],
      ] as const) {
        const rec = (await state.cells.get(keys.iseCell(TENANT, pair[0], pair[1])))?.value;
        expect(rec).toMatchObject({ sgacls: [shared], createdByUs: false, version: 1 });
      }
      expect((await state.sgacls.get(keys.iseSgacl(TENANT, shared)))?.value).toMatchObject({
        name: 'SHARED_WEB',
        createdByUs: false,
      });
      expect((await state.cells.get(keys.iseCell(TENANT, 65535, 65535)))?.value).toMatchObject({
        defaultRule: 'PERMIT_IP',
      });

      // The version is ISE: nothing to push.
      const plan = await sync.plan(TENANT, 'monitor');
      expect(plan).toMatchObject({ version: 1, operations: [], conflicts: [] });

      // Unchanged ISE: no new version, no second matrix.changed.
      expect(await sync.import(TENANT, 'root', 'cli')).toMatchObject({ version: 1, created: false });
      const changed = await readAll(f.te, StreamName.Events, subjectsFor(f.te.ns).matrixChanged(TENANT));
      expect(changed).toHaveLength(1);
      const audit = await readAll(f.te, StreamName.Audit, subjectsFor(f.te.ns).audit(TENANT));
      const actions = audit.map((m) => (m.json as { data: { action: string } }).data.action);
      expect(actions).toEqual(['matrix.import', 'ise.import', 'ise.import']);

      // An approval into the imported cell: its verbatim line goes back to ISE byte for byte, in place.
      await approve(f, 1002, 1003, [{ action: 'permit', protocol: 'tcp', dstPort: 22 }]);
      const change = await sync.plan(TENANT, 'monitor');
      expect(change.operations).toEqual([
        expect.objectContaining({
          kind: 'update-sgacl',
          sgaclName: 'LEGACY',
          content: 'permit tcp dst eq 22\npermit tcp dst eq www\ndeny ip log',
        }),
      ]);
      await sync.push(TENANT, { stage: 'monitor', by: 'ann', channel: 'api' });
      expect(sim.state.sgaclByName('LEGACY')?.aclcontent).toBe(
        'permit tcp dst eq 22\npermit tcp dst eq www\ndeny ip log',
      );
      expect(simCell(sim, 1002, 1003)?.defaultRule).toBe('DENY_IP');
      expect(await sync.import(TENANT, 'root', 'cli')).toMatchObject({ created: false });
      const writes = sim.traffic.writes;

      // An edit in ISE, imported: a new version parented on the last, the edited cell only.
      sim.state.updateSgacl(sim.state.sgaclByName('WEB_RANGE')!.id, {
        aclcontent: `${RANGES}\npermit icmp echo`,
      });
      expect(await sync.import(TENANT, 'root', 'cli')).toMatchObject({ version: 3, created: true });
      const v2 = (await currentMatrix(stores, TENANT)).version!;
      expect(v2.parent).toBe(2);
      const edited = (v2.matrix as Matrix).cells.find((c) => c.sgt === 1000)!;
      expect(edited.aces.map(aceText).at(-1)).toBe('permit icmp echo');
      expect(sim.traffic.writes).toBe(writes);
    });

    test('ANY-ANY DENY_IP becomes the version default; wrong credentials write nothing', async () => {
      f = await openFixture(flavour, certificates);
      f.sim.state.updateCell(f.sim.state.defaultCell().id, { defaultRule: 'DENY_IP' });
      await f.sync.import(TENANT, 'root', 'api');
      expect((await currentMatrix(f.stores, TENANT)).version?.matrix.defaultRule).toBe('deny ip');

      const { IseSyncService } = await import('./service.ts');
      const { createIseClient } = await import('../client.ts');
      const wrong = new IseSyncService({
        client: createIseClient({
          url: f.sim.url,
          username: 'ersadmin',
          password: 'nope',
          caPem: f.sim.caPem,
        }),
        engine: f.te.engine,
        ns: f.te.ns,
      });
      const error = await wrong.import('other', 'root', 'api').catch((e: unknown) => e);
      expect(isIseError(error, IseErrorCode.Unauthorized)).toBe(true);
      expect(await currentMatrix(f.stores, 'other')).toEqual({ pointer: null, version: null });
      expect(f.sim.traffic.writes).toBe(0);
    });
  });
}

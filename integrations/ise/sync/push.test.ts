/**
 * Pushing against the ISE simulator, on both engines: a 500 midway and the
 * push after it (no duplicates, no orphan SGACLs), re-push without writes,
 * `Cell Already Exists` adopted or refused, a change made in ISE between
 * plan and push left alone, and cells the product did not create never
 * deleted.
 */
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import type { Ace } from '../../../domain/ace.ts';
import { keys, openIseSyncStores } from '../../../kv-schema/mod.ts';
import { FLAVOURS } from '../../../test/support/engines.ts';
import { describeNats } from '../../../test/support/nats.ts';
import { IseError, IseErrorCode } from '../errors.ts';
import { makeCertificates, type SimulatorCertificates } from '../simulator/certs.ts';
import type { IseSimulator } from '../simulator/mod.ts';
import type { IseErsApi } from '../types.ts';
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

const permit = (dstPort: number): Ace => ({ action: 'permit', protocol: 'tcp', dstPort });
const push = (f: SyncFixture, version?: number) =>
  f.sync.push(TENANT, { stage: 'monitor', by: 'ann', channel: 'api', ...(version ? { version } : {}) });
const OWN = /_[0-9a-f]{8}$/;
const created = (sim: IseSimulator, what: 'sgacl' | 'egressmatrixcell') =>
  sim.traffic.requests.filter(
    (r) => r.method === 'POST' && r.path === `/ers/config/${what}` && r.status === 201,
  ).length;

/** An administrator's edit in ISE right after the push has read it: between its plan and its writes. */
function afterFirstSnapshot(edit: { run: (() => void) | null }) {
  return (client: IseErsApi): IseErsApi =>
    new Proxy(client, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (typeof value !== 'function') return value;
        if (prop === 'snapshot') {
          return async () => {
            const snapshot = await target.snapshot();
            edit.run?.();
            edit.run = null;
            return snapshot;
          };
        }
        return (...args: unknown[]) => value.apply(target, args);
      },
    });
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`ISE push on ${flavour.name}`, () => {
    let f: SyncFixture | undefined;
    afterEach(async () => {
      await closeFixture(f);
      f = undefined;
    });

    test('a 500 midway: the report says what was applied, the next push finishes without duplicates or orphans, then 0 writes', async () => {
      f = await openFixture(flavour, certificates);
      const ids: string[] = [];
      for (const src of [4, 5, 6]) ids.push((await approve(f, src, 11, [permit(443 + src)])).id);
      f.sim.faults.failWrite(4, 500);
      const first = await push(f);
      expect(first.failed.length).toBeGreaterThanOrEqual(1);
      expect(first.failed[0]?.error).toContain('SERVER: ISE answered POST');
      for (const r of first.applied) {
        const op = r.operation;
        if (op.kind === 'create-sgacl') expect(f.sim.state.sgaclByName(op.sgaclName!)?.id).toBe(r.iseId!);
        if (op.kind === 'create-cell') expect(simCell(f.sim, op.cell!.sgt, op.cell!.dgt)?.id).toBe(r.iseId!);
      }
      expect(first.applied.length).toBe(created(f.sim, 'sgacl') + created(f.sim, 'egressmatrixcell'));
      expect(first.applied.length).toBeLessThan(6);

      // The proposal whose cell failed says so beside `applied`; the others are in ISE in monitor.
      const trail = async () =>
        Promise.all(ids.map(async (id) => (await f!.stores.proposals.get(keys.proposal(TENANT, id)))!.value));
      const marks = (await trail()).map((p) => [p.status, p.ise?.state]);
      expect(marks.filter(([, s]) => s === 'failed')).toHaveLength(1);
      expect(marks.filter(([, s]) => s === 'monitor')).toHaveLength(2);
      expect((await trail()).find((p) => p.ise?.state === 'failed')?.ise?.reason).toContain('SERVER');

      const second = await push(f);
      expect(second).toMatchObject({ failed: [], conflicts: [] });
      expect((await trail()).map((p) => [p.status, p.ise?.state])).toEqual([
        ['applied', 'monitor'],
        ['applied', 'monitor'],
        ['applied', 'monitor'],
      ]);
      const done = [...first.applied, ...second.applied].map((r) => r.operation.kind).sort();
      expect(done).toEqual([
        'create-cell',
        'create-cell',
        'create-cell',
        'create-sgacl',
        'create-sgacl',
        'create-sgacl',
      ]);
      expect(created(f.sim, 'sgacl')).toBe(3);
      expect(created(f.sim, 'egressmatrixcell')).toBe(3);
      const own = f.sim.state.sgacls().filter((s) => OWN.test(s.name));
      expect(own).toHaveLength(3);
      const listed = f.sim.state.cells().flatMap((c) => c.sgacls);
      for (const s of own) expect(listed.filter((id) => id === s.id)).toHaveLength(1);

      const before = f.sim.traffic.writes;
      const third = await push(f);
      expect(third).toMatchObject({ applied: [], failed: [], conflicts: [], writes: 0 });
      expect(f.sim.traffic.writes).toBe(before);
      expect(f.client.calls().writes).toBe(before);
    });

    test('a cell whose create failed after its SGACL was made lists that SGACL next time: no second one', async () => {
      f = await openFixture(flavour, certificates);
      await approve(f, 4, 11, [permit(443)]);
      f.sim.faults.failWrite(2, 500);
      const first = await push(f);
      expect(first.applied.map((r) => r.operation.kind)).toEqual(['create-sgacl']);
      expect(first.failed.map((r) => r.operation.kind)).toEqual(['create-cell']);
      const sgacl = f.sim.state.sgacls().find((s) => OWN.test(s.name))!;
      expect(simCell(f.sim, 4, 11)).toBeUndefined();

      const plan = await f.sync.plan(TENANT, 'monitor');
      expect(plan.operations.map((o) => o.id)).toEqual(['create-cell:4-11']);
      const second = await push(f);
      expect(second.applied.map((r) => r.operation.kind)).toEqual(['create-cell']);
      expect(simCell(f.sim, 4, 11)?.sgacls).toEqual([sgacl.id]);
      expect(f.sim.state.sgacls().filter((s) => OWN.test(s.name))).toHaveLength(1);
      const state = await openIseSyncStores(f.te.engine, f.te.ns);
      expect((await state.cells.get(keys.iseCell(TENANT, 4, 11)))?.value).toMatchObject({
        createdByUs: true,
        status: 'MONITOR',
      });
    });

    test('Cell Already Exists: adopted when ISE holds what the version wants, a conflict otherwise', async () => {
      const edit: { run: (() => void) | null } = { run: null };
      f = await openFixture(flavour, certificates, { client: afterFirstSnapshot(edit) });
      const sim = f.sim;
      await approve(f, 4, 11, [permit(443)]);
      await approve(f, 5, 11, [permit(443)]);
      edit.run = () => {
        adminCell(sim, 4, 11, [{ name: 'ADMIN_443', aclcontent: 'permit tcp dst eq 443' }]);
        adminCell(sim, 5, 11, [{ name: 'ADMIN_80', aclcontent: 'permit tcp dst eq 80' }]);
      };
      const report = await push(f);
      const adopted = report.skipped.find((r) => r.operation.id === 'create-cell:4-11');
      expect(adopted?.iseId).toBe(simCell(sim, 4, 11)!.id);
      expect(report.conflicts).toEqual([
        expect.objectContaining({
          cell: expect.objectContaining({ sgt: 5, dgt: 11 }),
          reason: expect.stringContaining('Cell Already Exists'),
        }),
      ]);
      expect(simCell(sim, 5, 11)?.sgacls).toEqual([sim.state.sgaclByName('ADMIN_80')!.id]);
      const state = await openIseSyncStores(f.te.engine, f.te.ns);
      expect((await state.cells.get(keys.iseCell(TENANT, 4, 11)))?.value).toMatchObject({
        iseId: simCell(sim, 4, 11)!.id,
        createdByUs: false,
      });
      expect(await state.cells.get(keys.iseCell(TENANT, 5, 11))).toBeNull();

      // The SGACLs the product made for both cells are listed by none: the next push removes them.
      const next = await push(f);
      expect(next.applied.map((r) => r.operation.kind)).toEqual(['delete-sgacl', 'delete-sgacl']);
      expect(sim.state.sgacls().filter((s) => OWN.test(s.name))).toEqual([]);
      expect(simCell(sim, 4, 11)?.sgacls).toEqual([sim.state.sgaclByName('ADMIN_443')!.id]);
      expect((await push(f)).writes).toBe(0);
    });

    test('an object changed in ISE between plan and push is a conflict and is not written', async () => {
      const edit: { run: (() => void) | null } = { run: null };
      f = await openFixture(flavour, certificates, { client: afterFirstSnapshot(edit) });
      const sim = f.sim;
      adminCell(sim, 4, 11, [{ name: 'EMP_PROD', aclcontent: 'permit tcp dst eq 443' }]);
      await f.sync.import(TENANT, 'root', 'cli');
      await approve(f, 4, 11, [permit(22)]);
      edit.run = () =>
        sim.state.updateSgacl(sim.state.sgaclByName('EMP_PROD')!.id, {
          aclcontent: 'permit tcp dst eq 8443',
        });
      const report = await push(f);
      expect(report).toMatchObject({ applied: [], failed: [], writes: 0 });
      expect(report.conflicts).toEqual([
        expect.objectContaining({ reason: 'SGACL EMP_PROD changed in ISE since the plan' }),
      ]);
      expect(sim.state.sgaclByName('EMP_PROD')?.aclcontent).toBe('permit tcp dst eq 8443');
    });

    test('a write whose answer was lost is recognised as the product’s own by the next push, not as a change in ISE', async () => {
      const lose = { once: true };
      f = await openFixture(flavour, certificates, {
        client: (client) =>
          new Proxy(client, {
            get(target, prop) {
              const value = Reflect.get(target, prop);
              if (typeof value !== 'function') return value;
              if (prop === 'updateSgacl' && lose.once) {
                return async (...args: Parameters<IseErsApi['updateSgacl']>) => {
                  lose.once = false;
                  await target.updateSgacl(...args);
                  throw new IseError(IseErrorCode.Unreachable, 'no answer from ISE', {
                    outcomeUnknown: true,
                  });
                };
              }
              return (...args: unknown[]) => value.apply(target, args);
            },
          }),
      });
      const sim = f.sim;
      const cell = adminCell(sim, 4, 11, [{ name: 'EMP_PROD', aclcontent: 'permit tcp dst eq 443' }]);
      await f.sync.import(TENANT, 'root', 'cli'); // v1
      sim.state.updateSgacl(cell.sgacls[0]!, { aclcontent: 'permit tcp dst eq 22' });
      sim.state.updateCell(cell.id, { defaultRule: 'DENY_IP' });
      await f.sync.import(TENANT, 'root', 'cli'); // v2

      // Back to version 1: the SGACL is edited in place (its answer lost), then the cell's default rule.
      const first = await push(f, 1);
      expect(first.failed.map((r) => [r.operation.kind, r.error?.slice(0, 11)])).toEqual([
        ['update-sgacl', 'UNREACHABLE'],
        ['update-cell', 'not attempt'],
      ]);
      expect(sim.state.sgaclByName('EMP_PROD')?.aclcontent).toBe('permit tcp dst eq 443');

      const second = await push(f, 1);
      expect(second).toMatchObject({ conflicts: [], failed: [] });
      expect(second.applied.map((r) => r.operation.kind)).toEqual(['update-cell']);
      expect(sim.state.cell(cell.id)).toMatchObject({ defaultRule: 'NONE', matrixCellStatus: 'ENABLED' });
      expect((await push(f, 1)).writes).toBe(0);
    });

    test('cells removed from the version are deleted only when the product created them', async () => {
      f = await openFixture(flavour, certificates);
      const sim = f.sim;
      const admin = adminCell(sim, 4, 11, [{ name: 'EMP_PROD', aclcontent: 'permit tcp dst eq 443' }]);
      await f.sync.import(TENANT, 'root', 'cli'); // v1
      await approve(f, 5, 11, [permit(22)]); // v2
      await push(f);
      const ours = simCell(sim, 5, 11)!;

      // Back to version 1: the product's cell and SGACL go, the administrator's stay.
      const back = await push(f, 1);
      expect(back.applied.map((r) => r.operation.id)).toEqual([
        'delete-cell:5-11',
        expect.stringMatching(/^delete-sgacl:CONTRACTORS_to_PRODUCTION_SERVERS_[0-9a-f]{8}$/),
      ]);
      expect(sim.state.cell(ours.id)).toBeUndefined();
      expect(sim.state.sgacls().filter((s) => OWN.test(s.name))).toEqual([]);
      expect(sim.state.cell(admin.id)).toBeDefined();

      // An administrator's cell that a version does not have is left in ISE, with a warning.
      adminCell(sim, 6, 11, [{ name: 'GUEST_PROD', aclcontent: 'deny ip' }]);
      await f.sync.import(TENANT, 'root', 'cli'); // v3: 4-11 and 6-11
      const plan = await f.sync.plan(TENANT, 'monitor', 2);
      expect(plan.operations.some((o) => o.kind === 'delete-cell')).toBe(false);
      expect(plan.warnings).toEqual([
        expect.objectContaining({
          message: expect.stringContaining('Guests → Production_Servers is not in version 2'),
        }),
      ]);
      await push(f, 2);
      expect(simCell(sim, 6, 11)).toBeDefined();
      expect(simCell(sim, 5, 11)?.matrixCellStatus).toBe('MONITOR');
    });
  });
}

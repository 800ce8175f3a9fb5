/**
 * Planning against the ISE simulator, on both engines: new cells become
 * MONITOR cells with a deterministic SGACL, a changed enforced cell keeps its
 * status, a shared SGACL is never edited in place, a cell changed in ISE
 * after import is a conflict, an unchanged version plans nothing, a new deny
 * carries its impact, and too much policy for one destination is warned of.
 */
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import type { Ace } from '../../../domain/ace.ts';
import { FLAVOURS } from '../../../test/support/engines.ts';
import { describeNats } from '../../../test/support/nats.ts';
import { makeCertificates, type SimulatorCertificates } from '../simulator/certs.ts';
import {
  adminCell,
  approve,
  closeFixture,
  observe,
  openFixture,
  type SyncFixture,
  simCell,
  TENANT,
} from './testing.ts';

let certificates: SimulatorCertificates;
beforeAll(async () => {
  certificates = await makeCertificates();
});

const tcp = (action: 'permit' | 'deny', dstPort: number, log = false): Ace => ({
  action,
  protocol: 'tcp',
  dstPort,
  ...(log ? { log: true } : {}),
});
const push = (f: SyncFixture, stage: 'monitor' | 'enforce' | 'deny-default' = 'monitor') =>
  f.sync.push(TENANT, { stage, by: 'ann', channel: 'api' });

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`ISE plan on ${flavour.name}`, () => {
    let f: SyncFixture | undefined;
    afterEach(async () => {
      await closeFixture(f);
      f = undefined;
    });

    test('new cells: a deterministic SGACL and a MONITOR cell, the new deny weighed on observed traffic; then nothing to do', async () => {
      f = await openFixture(flavour, certificates);
      await approve(f, 4, 11, [tcp('permit', 443), tcp('deny', 23, true)]);
      await observe(f, [
        { sgt: 4, dgt: 11, protocol: 'tcp', dstPort: 23, hits: 40 },
        { sgt: 4, dgt: 11, protocol: 'tcp', dstPort: 443, hits: 100 },
        { sgt: 4, dgt: 11, protocol: 'tcp', dstPort: 22, hits: 5 },
      ]);
      const plan = await f.sync.plan(TENANT, 'monitor');
      expect(plan.conflicts).toEqual([]);
      expect(plan.operations.map((o) => o.kind)).toEqual(['create-sgacl', 'create-cell']);
      const [sgacl, cell] = plan.operations;
      // Named after the contract (the dictionary was empty when it was approved) and its content.
      expect(sgacl?.sgaclName).toMatch(/^SGT4_to_SGT11_[0-9a-f]{8}$/);
      expect(sgacl?.content).toBe('deny tcp dst eq 23 log\npermit tcp dst eq 443');
      expect(cell).toMatchObject({
        id: 'create-cell:4-11',
        cell: { sgt: 4, dgt: 11, srcName: 'Employees', dstName: 'Production_Servers' },
        sgacls: [sgacl?.sgaclName],
        status: 'MONITOR',
        defaultRule: 'NONE',
        impact: { flows: 1, hits: 40 },
      });
      // The same version always plans the same names.
      expect((await f.sync.plan(TENANT, 'monitor')).operations).toEqual(plan.operations);
      expect(f.sim.traffic.writes).toBe(0);

      const report = await push(f);
      expect(report).toMatchObject({ failed: [], conflicts: [], writes: 2 });
      expect(report.applied.map((r) => r.operation.id)).toEqual(plan.operations.map((o) => o.id));
      expect(simCell(f.sim, 4, 11)).toMatchObject({ matrixCellStatus: 'MONITOR', defaultRule: 'NONE' });
      expect((await f.sync.plan(TENANT, 'monitor')).operations).toEqual([]);
    });

    test('a changed enforced cell keeps its status; its own SGACL is edited in place, a shared one never', async () => {
      f = await openFixture(flavour, certificates);
      const own = adminCell(f.sim, 4, 11, [{ name: 'EMP_PROD', aclcontent: 'permit tcp dst eq 443' }]);
      adminCell(f.sim, 5, 14, [{ name: 'WEB', aclcontent: 'permit tcp dst eq 80' }]);
      adminCell(f.sim, 6, 14, [{ name: 'WEB', aclcontent: 'permit tcp dst eq 80' }]);
      await f.sync.import(TENANT, 'root', 'cli');
      await approve(f, 4, 11, [tcp('permit', 22)]);
      await approve(f, 5, 14, [tcp('deny', 161)]);

      const plan = await f.sync.plan(TENANT, 'monitor');
      expect(plan.conflicts).toEqual([]);
      expect(plan.operations.map((o) => o.id)).toEqual([
        'update-sgacl:EMP_PROD',
        expect.stringMatching(/^create-sgacl:CONTRACTORS_to_PCI_SERVERS_[0-9a-f]{8}$/),
        'update-cell:5-14',
      ]);
      expect(plan.operations[0]).toMatchObject({ content: 'permit tcp dst eq 22\npermit tcp dst eq 443' });
      expect(plan.operations[2]).toMatchObject({
        status: 'ENABLED',
        sgacls: [plan.operations[1]?.sgaclName],
      });
      expect(plan.operations[2]?.reason).toContain('WEB is shared');
      expect(plan.operations.some((o) => o.sgaclName === 'WEB')).toBe(false);

      await f.sync.push(TENANT, { stage: 'monitor', by: 'ann', channel: 'api' });
      expect(f.sim.state.cell(own.id)).toMatchObject({ matrixCellStatus: 'ENABLED', sgacls: own.sgacls });
      expect(f.sim.state.sgaclByName('EMP_PROD')?.aclcontent).toBe(
        'permit tcp dst eq 22\npermit tcp dst eq 443',
      );
      expect(simCell(f.sim, 5, 14)?.matrixCellStatus).toBe('ENABLED');
      expect(f.sim.state.sgaclByName('WEB')?.aclcontent).toBe('permit tcp dst eq 80');
      expect(simCell(f.sim, 6, 14)?.sgacls).toEqual([f.sim.state.sgaclByName('WEB')!.id]);
      expect((await f.sync.plan(TENANT, 'monitor')).operations).toEqual([]);
    });

    test('a cell changed in ISE after import is a conflict, reported and not written', async () => {
      f = await openFixture(flavour, certificates);
      adminCell(f.sim, 4, 11, [{ name: 'EMP_PROD', aclcontent: 'permit tcp dst eq 443' }]);
      const status = adminCell(f.sim, 5, 11, [{ name: 'CON_PROD', aclcontent: 'permit tcp dst eq 443' }]);
      await f.sync.import(TENANT, 'root', 'cli');
      f.sim.state.updateSgacl(f.sim.state.sgaclByName('EMP_PROD')!.id, {
        aclcontent: 'permit tcp dst eq 443\ndeny ip',
      });
      f.sim.state.updateCell(status.id, { matrixCellStatus: 'MONITOR' });
      await approve(f, 4, 11, [tcp('permit', 22)]);
      await approve(f, 5, 11, [tcp('permit', 22)]);

      const plan = await f.sync.plan(TENANT, 'monitor');
      expect(plan.operations).toEqual([]);
      expect(plan.conflicts).toEqual([
        {
          cell: { sgt: 4, dgt: 11, srcName: 'Employees', dstName: 'Production_Servers' },
          reason: 'changed in ISE since the last import or push: the content of its SGACLs',
        },
        {
          cell: { sgt: 5, dgt: 11, srcName: 'Contractors', dstName: 'Production_Servers' },
          reason: 'changed in ISE since the last import or push: status ENABLED → MONITOR',
        },
      ]);
      const report = await push(f);
      expect(report).toMatchObject({ applied: [], failed: [], writes: 0 });
      expect(report.conflicts).toHaveLength(2);
      expect(f.sim.state.sgaclByName('EMP_PROD')?.aclcontent).toBe('permit tcp dst eq 443\ndeny ip');
    });

    test('more than about 6 KB of ACE text for one destination tag is warned of', async () => {
      f = await openFixture(flavour, certificates);
      await approve(
        f,
        4,
        14,
        Array.from({ length: 300 }, (_, i) => tcp('permit', 10_000 + i)),
      );
      const plan = await f.sync.plan(TENANT, 'monitor');
      expect(plan.warnings).toEqual([
        expect.objectContaining({
          code: 'POLICY_SIZE',
          dgt: 14,
          message: expect.stringContaining('PCI_Servers (14)'),
        }),
      ]);
    });
  });
}

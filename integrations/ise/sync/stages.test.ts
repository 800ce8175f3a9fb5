/**
 * The later stages and the rest of the port against the ISE simulator, on
 * both engines: enforce after the soak, deny-default refused below readiness
 * (NOT_READY) and forced, drift after an edit in ISE (published and
 * summarised), status, the proposal's ISE trail, audit records, and the
 * named refusals.
 */
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import type { Ace } from '../../../domain/ace.ts';
import { keys } from '../../../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../../../streams/mod.ts';
import { readAll } from '../../../test/support/actors.ts';
import { FLAVOURS } from '../../../test/support/engines.ts';
import { describeNats } from '../../../test/support/nats.ts';
import { createIseClient } from '../client.ts';
import { IseErrorCode, isIseError } from '../errors.ts';
import { makeCertificates, type SimulatorCertificates } from '../simulator/certs.ts';
import { IseSyncErrorCode, isIseSyncError } from './errors.ts';
import { IseSyncService } from './service.ts';
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

const permit = (dstPort: number): Ace => ({ action: 'permit', protocol: 'tcp', dstPort });
const push = (f: SyncFixture, stage: 'monitor' | 'enforce' | 'deny-default', force = false) =>
  f.sync.push(TENANT, { stage, by: 'ann', channel: 'api', ...(force ? { force } : {}) });
const HOUR = 3_600_000;

async function refusal(p: Promise<unknown>) {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isIseSyncError(error)) throw new Error(`expected an IseSyncError, got ${String(error)}`);
  return error;
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`ISE stages on ${flavour.name}`, () => {
    let f: SyncFixture | undefined;
    afterEach(async () => {
      await closeFixture(f);
      f = undefined;
    });

    test('enforce promotes the pushed MONITOR cells after their soak; the proposal trail follows', async () => {
      f = await openFixture(flavour, certificates, { settings: { monitorSoakMs: 24 * HOUR } });
      const { id } = await approve(f, 4, 11, [permit(443)]);
      adminCell(f.sim, 5, 11, [{ name: 'ADMIN', aclcontent: 'permit tcp dst eq 22' }], { status: 'MONITOR' });
      await push(f, 'monitor');
      const since = f.clock.now;
      expect((await f.sync.status(TENANT)).monitoring).toEqual([
        {
          cell: { sgt: 4, dgt: 11, srcName: 'SGT4', dstName: 'SGT11' },
          sinceMs: since,
          enforceableAtMs: since + 24 * HOUR,
        },
      ]);
      let p = (await f.stores.proposals.get(keys.proposal(TENANT, id)))!.value;
      expect(p).toMatchObject({ status: 'applied', ise: { state: 'monitor', version: 1, stage: 'monitor' } });
      expect(p.history.at(-1)).toMatchObject({ status: 'applied', by: 'ann', channel: 'api' });
      expect(p.history.at(-1)?.note).toContain('in ISE (monitor)');

      // Still soaking: nothing to enforce, and the plan says when.
      const early = await f.sync.plan(TENANT, 'enforce');
      expect(early.operations).toEqual([]);
      expect(early.warnings[0]?.message).toContain('still in their soak time');

      f.clock.now += 24 * HOUR;
      const plan = await f.sync.plan(TENANT, 'enforce');
      // Only the product's cell: the administrator's MONITOR cell is theirs to enforce.
      expect(plan.operations).toEqual([
        expect.objectContaining({ id: 'set-cell-status:4-11', kind: 'set-cell-status', status: 'ENABLED' }),
      ]);
      const report = await push(f, 'enforce');
      expect(report).toMatchObject({ failed: [], conflicts: [], writes: 1 });
      expect(simCell(f.sim, 4, 11)?.matrixCellStatus).toBe('ENABLED');
      expect(simCell(f.sim, 5, 11)?.matrixCellStatus).toBe('MONITOR');
      expect((await f.sync.status(TENANT)).monitoring).toEqual([]);
      p = (await f.stores.proposals.get(keys.proposal(TENANT, id)))!.value;
      expect(p.ise).toMatchObject({ state: 'enforced', stage: 'enforce' });
      expect((await push(f, 'enforce')).writes).toBe(0);
      expect((await push(f, 'monitor')).writes).toBe(0);
      // Re-pushes that change nothing leave the proposal's trail alone.
      expect((await f.stores.proposals.get(keys.proposal(TENANT, id)))!.value.history).toHaveLength(
        p.history.length,
      );
    });

    test('with a soak of 0 s a pushed cell is enforceable at once', async () => {
      f = await openFixture(flavour, certificates, { settings: { monitorSoakMs: 0 } });
      await approve(f, 4, 11, [permit(443)]);
      await push(f, 'monitor');
      expect((await push(f, 'enforce')).applied.map((r) => r.operation.id)).toEqual(['set-cell-status:4-11']);
      expect(simCell(f.sim, 4, 11)?.matrixCellStatus).toBe('ENABLED');
    });

    test('deny-default: NOT_READY below the readiness setting, forced with the fallback policy, audited', async () => {
      f = await openFixture(flavour, certificates);
      await approve(f, 4, 11, [permit(443)]);
      await observe(f, [
        { sgt: 4, dgt: 11, protocol: 'tcp', dstPort: 443, hits: 90 },
        { sgt: 5, dgt: 11, protocol: 'tcp', dstPort: 22, hits: 10 },
      ]);
      const plan = await f.sync.plan(TENANT, 'deny-default');
      expect(plan.readiness).toEqual({ ratio: 0.9, required: 0.99 });
      expect(plan.operations).toEqual([
        expect.objectContaining({
          kind: 'set-default',
          defaultRule: 'DENY_IP',
          impact: { flows: 1, hits: 10 },
        }),
      ]);
      expect(plan.fallback).toContain('ip access-list role-based SGT4_to_SGT11\n permit tcp dst eq 443');
      expect(plan.fallback).toContain('cts role-based permissions default ipv4 DENY_LOG');

      const refused = await refusal(push(f, 'deny-default'));
      expect(refused.code).toBe(IseSyncErrorCode.NotReady);
      expect(refused.detail).toMatchObject({ ratio: 0.9, required: 0.99 });
      expect(f.sim.state.defaultCell().defaultRule).toBe('PERMIT_IP');
      expect(f.sim.traffic.writes).toBe(0);

      const forced = await push(f, 'deny-default', true);
      expect(forced.applied.map((r) => r.operation.kind)).toEqual(['set-default']);
      expect(f.sim.state.defaultCell()).toMatchObject({
        defaultRule: 'DENY_IP',
        matrixCellStatus: 'ENABLED',
      });
      expect((await push(f, 'deny-default', true)).writes).toBe(0);

      const audit = await readAll(f.te, StreamName.Audit, subjectsFor(f.te.ns).audit(TENANT));
      const records = audit.map(
        (m) => m.json as { by: string; data: { action: string; detail: Record<string, unknown> } },
      );
      const refusedRecord = records.find((r) => r.data.action === 'ise.push.refused');
      expect(refusedRecord).toMatchObject({
        by: 'ann',
        data: { detail: { code: 'NOT_READY', stage: 'deny-default' } },
      });
      const pushes = records.filter((r) => r.data.action === 'ise.push');
      expect(pushes.at(-2)?.data.detail).toMatchObject({ stage: 'deny-default', force: true, applied: 1 });
      const ops = records.filter((r) => r.data.action === 'ise.push.operations');
      expect(ops.some((r) => JSON.stringify(r.data.detail).includes('"set-default:ANY-ANY"'))).toBe(true);
    });

    test('drift after edits in ISE: published on ise.drift and summarised for status', async () => {
      f = await openFixture(flavour, certificates);
      await approve(f, 4, 11, [permit(443)]);
      await push(f, 'monitor');
      expect(await f.sync.drift(TENANT)).toEqual([]);

      const mine = simCell(f.sim, 4, 11)!;
      f.sim.state.updateSgacl(mine.sgacls[0]!, { aclcontent: 'permit tcp dst eq 443\npermit tcp dst eq 22' });
      adminCell(f.sim, 6, 11, [{ name: 'GUEST', aclcontent: 'deny ip' }]);
      f.sim.state.updateCell(f.sim.state.defaultCell().id, { defaultRule: 'DENY_IP' });
      const drifts = await f.sync.drift(TENANT);
      expect(drifts.map((d) => [d.kind, d.cell?.sgt ?? null])).toEqual([
        ['changed', 4],
        ['extra', 6],
        ['default', null],
      ]);
      expect(drifts[0]).toMatchObject({
        expected: 'permit tcp dst eq 443',
        actual: 'permit tcp dst eq 443\npermit tcp dst eq 22',
      });
      const published = await readAll(f.te, StreamName.Events, subjectsFor(f.te.ns).iseDrift(TENANT));
      expect(published.map((m) => (m.json as { data: { count: number } }).data.count)).toEqual([0, 3]);
      expect((await f.sync.status(TENANT)).lastDrift).toEqual({ atMs: f.clock.now, count: 3 });
      expect(await f.sync.checkDrift([TENANT])).toEqual([{ tenant: TENANT, drifts: 3 }]);
    });

    test('status, and the named refusals: NOT_CONFIGURED, NO_MATRIX, VERSION_NOT_FOUND, BUSY', async () => {
      f = await openFixture(flavour, certificates);
      expect(await f.sync.status(TENANT)).toEqual({
        tenant: TENANT,
        configured: true,
        url: f.sim.url,
        monitoring: [],
      });
      expect((await refusal(f.sync.plan(TENANT, 'monitor'))).code).toBe(IseSyncErrorCode.NoMatrix);
      await approve(f, 4, 11, [permit(443)]);
      expect((await refusal(f.sync.plan(TENANT, 'monitor', 7))).code).toBe(IseSyncErrorCode.VersionNotFound);

      const none = new IseSyncService({ clientFor: () => null, engine: f.te.engine, ns: f.te.ns });
      expect((await refusal(none.push(TENANT, { stage: 'monitor', by: 'a', channel: 'api' }))).code).toBe(
        IseSyncErrorCode.NotConfigured,
      );
      expect(await none.status(TENANT)).toMatchObject({ configured: false });
      expect(await none.checkDrift([TENANT])).toEqual([]);

      // An ISE whose certificate the client does not trust: refused before anything is written.
      const other = await makeCertificates();
      const untrusted = new IseSyncService({
        client: createIseClient({
          url: f.sim.url,
          username: 'ersadmin',
          password: 'Simulated-ERS-1',
          caPem: other.caPem,
        }),
        engine: f.te.engine,
        ns: f.te.ns,
      });
      const error = await untrusted
        .push(TENANT, { stage: 'monitor', by: 'a', channel: 'api' })
        .catch((e: unknown) => e);
      expect(isIseError(error, IseErrorCode.UntrustedCertificate)).toBe(true);
      expect(f.sim.traffic.writes).toBe(0);
      expect((await f.sync.status(TENANT)).lastPush).toBeUndefined();

      // An import while a push runs (or the other way round) is told to wait.
      const [i, p] = await Promise.allSettled([f.sync.import(TENANT, 'root', 'cli'), push(f, 'monitor')]);
      expect(
        [i, p].filter((r) => r.status === 'rejected').map((r) => (r.reason as { code: string }).code),
      ).toEqual(['BUSY']);

      // Two pushes at once: the second is told another is running.
      const [a, b] = await Promise.allSettled([push(f, 'monitor'), push(f, 'monitor')]);
      const outcomes = [a, b].map((r) =>
        r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code,
      );
      expect(outcomes.sort()).toEqual(['BUSY', 'ok']);
      const status = await f.sync.status(TENANT);
      expect(status.lastPush).toMatchObject({ stage: 'monitor', by: 'ann', failed: 0 });
    });
  });
}

/**
 * /api/v1/ise over HTTP, in-process, with the real sync against the loopback
 * ISE simulator: roles, tenant scoping, the staged push and its report, and
 * the problems (409 not configured and NOT_READY, 502 naming ISE's failure
 * with nothing written to ISE).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { keys } from '../../kv-schema/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { type IseHarness, type IseHarnessOptions, startIseApi, TOKENS } from '../../test/support/ise.ts';
import {
  approve,
  createManual,
  expectGuarded,
  expectProblem,
  inventoryRecord,
  json,
} from '../../test/support/rest-api.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;

let h: IseHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(o: IseHarnessOptions = {}): Promise<IseHarness> {
  h = await startIseApi(embedded, o);
  return h;
}

/** An approved version 1 for acme: 10 → 20 permits tcp/443. */
async function approved(x: IseHarness): Promise<void> {
  const p = await createManual(x.api, { sgt: 10, dgt: 20, port: 443 });
  expect((await approve(x.api, p.id)).status).toBe(200);
}

const push = (x: IseHarness, body: unknown, token: string = TOKENS.admin) =>
  x.api.request('/api/v1/ise/push', json(body, token));

const get = (x: IseHarness, path: string, token: string = TOKENS.viewer) =>
  x.api.request(`/api/v1/ise${path}`, { token });

/** The cell 10 → 20 in the simulator, with its SGACLs' text. */
function simCell(x: IseHarness, sgt = 10, dgt = 20) {
  const state = x.sim.state;
  const src = state.sgtByValue(sgt);
  const dst = state.sgtByValue(dgt);
  const cell = src && dst ? state.cellFor(src.id, dst.id) : undefined;
  return cell && { ...cell, content: cell.sgacls.map((id) => state.sgacl(id)?.aclcontent ?? '').join('\n') };
}

describe('ISE routes: who may do what', () => {
  test('reads need a viewer, import and push an admin', async () => {
    const x = await harness();
    await expectGuarded(x.api, 'GET', '/api/v1/ise/status', 'viewer');
    await expectGuarded(x.api, 'GET', '/api/v1/ise/plan?stage=monitor', 'viewer');
    await expectGuarded(x.api, 'GET', '/api/v1/ise/drift', 'viewer');
    await expectGuarded(x.api, 'POST', '/api/v1/ise/import', 'admin');
    await expectGuarded(x.api, 'POST', '/api/v1/ise/push', 'admin', { stage: 'monitor' });
    expect(x.sim.traffic.writes).toBe(0);
  });

  test("a tenant is only ever its own: another tenant without ISE gets 409 ISE not configured, and acme's ISE is not touched", async () => {
    const x = await harness();
    await approved(x);
    const status = await get(x, '/status', TOKENS.other);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ tenant: 'globex', configured: false, monitoring: [] });
    const before = x.sim.traffic.requests.length;
    for (const res of [
      await get(x, '/plan?stage=monitor', TOKENS.other),
      await get(x, '/drift', TOKENS.other),
      await x.api.request('/api/v1/ise/import', { method: 'POST', token: TOKENS.other }),
      await push(x, { stage: 'monitor' }, TOKENS.other),
    ]) {
      const p = await expectProblem(res, 409);
      expect(p).toMatchObject({ title: 'ISE not configured', code: 'NOT_CONFIGURED' });
      expect(String(p.detail)).toContain('tenant globex');
    }
    expect(x.sim.traffic.requests.length).toBe(before);
    const mine = (await (await get(x, '/status')).json()) as Record<string, unknown>;
    expect(mine).toMatchObject({ tenant: 'acme', configured: true, url: x.sim.url });
  });

  test('bad input is a 400 naming the field', async () => {
    const x = await harness();
    const p = await expectProblem(await get(x, '/plan?stage=later'), 400);
    expect(String(p.detail)).toContain('stage');
    expect(await expectProblem(await get(x, '/plan'), 400)).toMatchObject({ title: 'Bad request' });
    await expectProblem(await push(x, { stage: 'monitor', version: 0 }), 400);
    await expectProblem(await push(x, { stage: 'monitor', force: 'yes' }), 400);
    expect(x.sim.traffic.writes).toBe(0);
  });
});

describe('ISE routes: plan and push', () => {
  test('plan writes nothing; push monitor writes the cell as MONITOR; a re-push writes nothing', async () => {
    const x = await harness();
    await approved(x);
    const planned = await get(x, '/plan?stage=monitor');
    expect(planned.status).toBe(200);
    const plan = (await planned.json()) as { version: number; operations: { kind: string }[] };
    expect(plan.version).toBe(1);
    expect(plan.operations.map((o) => o.kind)).toContain('create-cell');
    expect(x.sim.traffic.writes).toBe(0);

    const res = await push(x, { stage: 'monitor' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { applied: unknown[]; failed: unknown[]; skipped: unknown[] };
    expect(report.failed).toEqual([]);
    expect(report.applied.length).toBe(plan.operations.length);
    const cell = simCell(x);
    expect(cell?.matrixCellStatus).toBe('MONITOR');
    expect(cell?.content).toContain('permit tcp dst eq 443');

    const writes = x.sim.traffic.writes;
    const again = (await (await push(x, { stage: 'monitor' })).json()) as {
      applied: unknown[];
      writes?: number;
    };
    expect(again.applied).toEqual([]);
    expect(x.sim.traffic.writes).toBe(writes);

    const status = (await (await get(x, '/status')).json()) as {
      lastPush?: { stage: string; version: number };
    };
    expect(status.lastPush).toMatchObject({ stage: 'monitor', version: 1 });
  });

  test('a push that failed partway answers 502 with what it applied and what failed', async () => {
    const x = await harness();
    await approved(x);
    x.sim.faults.failWrite(2, 500, 'Internal server error (injected)');
    const p = await expectProblem(await push(x, { stage: 'monitor' }), 502);
    expect(p).toMatchObject({
      title: 'ISE push failed partway',
      code: 'PUSH_FAILED',
      stage: 'monitor',
      version: 1,
    });
    expect((p.failed as unknown[]).length).toBeGreaterThan(0);
    expect(Array.isArray(p.applied)).toBe(true);
    expect(Array.isArray(p.skipped)).toBe(true);
    expect(Array.isArray(p.conflicts)).toBe(true);
    // Pushing again once ISE is well finishes the job.
    const retry = await push(x, { stage: 'monitor' });
    expect(retry.status).toBe(200);
    expect(simCell(x)?.matrixCellStatus).toBe('MONITOR');
  });

  test('deny-default below the readiness setting: 409 NOT_READY with the figures, and the default untouched', async () => {
    const x = await harness();
    for (const r of [
      inventoryRecord('10-20-tcp-any-443', { hits: 50 }),
      inventoryRecord('10-30-tcp-any-22', { hits: 50 }),
    ])
      await x.api.stores.inventory.put(keys.inventory('acme', r.flowId), r);
    await approved(x);
    const p = await expectProblem(await push(x, { stage: 'deny-default' }), 409);
    expect(p).toMatchObject({ code: 'NOT_READY' });
    expect(p.readiness).toMatchObject({ required: 0.99 });
    expect(x.sim.state.defaultCell().defaultRule).toBe('PERMIT_IP');
    expect(x.sim.traffic.writes).toBe(0);
  });
});

describe('ISE routes: ISE failures are 502 naming the cause, and nothing is written', () => {
  const cases: [string, IseHarnessOptions, string, string][] = [
    [
      'wrong credentials',
      { client: { password: 'wrong-password' } },
      'UNAUTHORIZED',
      'ISE refused the credentials',
    ],
    [
      'an untrusted certificate',
      { client: { caPem: undefined } },
      'UNTRUSTED_CERTIFICATE',
      'ISE certificate not trusted',
    ],
    ['ISE unreachable', { client: { url: 'https://127.0.0.1:9' } }, 'UNREACHABLE', 'ISE unreachable'],
  ];
  for (const [what, options, code, title] of cases) {
    test(what, async () => {
      const x = await harness(options);
      await approved(x);
      for (const res of [
        await push(x, { stage: 'monitor' }),
        await get(x, '/plan?stage=monitor'),
        await get(x, '/drift'),
        await x.api.request('/api/v1/ise/import', { method: 'POST', token: TOKENS.admin }),
      ]) {
        const p = await expectProblem(res, 502);
        expect(p).toMatchObject({ title, code });
        expect(String(p.detail).length).toBeGreaterThan(10);
        expect(String(p.detail)).not.toContain('Simulated-ERS-1');
      }
      expect(x.sim.traffic.writes).toBe(0);
      expect(simCell(x)).toBeUndefined();
    });
  }
});

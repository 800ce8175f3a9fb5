/**
 * The dashboard's ISE page over HTTP, in-process, with the real sync and the
 * loopback ISE simulator: who sees and may use the push forms, the
 * confirmation, the same-origin check on the push, escaping of names, a
 * tenant without ISE, and drift.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { keys } from '../../kv-schema/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { type IseHarness, startIseApi, TOKENS } from '../../test/support/ise.ts';
import { approve, createManual } from '../../test/support/rest-api.ts';
import { login, pageText, uiFetch } from '../../test/support/ui.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;

let h: IseHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function withVersion(): Promise<IseHarness> {
  h = await startIseApi(embedded);
  const p = await createManual(h.api, { sgt: 10, dgt: 20, port: 443 });
  expect((await approve(h.api, p.id)).status).toBe(200);
  return h;
}

const cellStatus = (x: IseHarness): string | undefined => {
  const src = x.sim.state.sgtByValue(10);
  const dst = x.sim.state.sgtByValue(20);
  return src && dst ? x.sim.state.cellFor(src.id, dst.id)?.matrixCellStatus : undefined;
};

describe('dashboard: ISE', () => {
  test('a viewer sees the status and every stage’s plan, linked from the navigation, and no push form', async () => {
    const x = await withVersion();
    const viewer = await login(x.api, TOKENS.viewer);
    const overview = await pageText(x.api, '/ui', viewer);
    expect(overview).toContain('href="/ui/ise"');
    const text = await pageText(x.api, '/ui/ise', viewer);
    expect(text).toContain(x.sim.url);
    for (const stage of ['stage-monitor', 'stage-enforce', 'stage-deny-default'])
      expect(text).toContain(stage);
    expect(text).toContain('Create cell');
    expect(text).toContain('Employees (10) → Web_Servers (20)');
    expect(text).not.toContain('/ui/ise/push/');
    for (const path of ['/ui/ise/push/monitor']) {
      expect((await uiFetch(x.api, path, { cookie: viewer })).status).toBe(403);
      expect((await uiFetch(x.api, path, { cookie: viewer, form: { version: '1' } })).status).toBe(403);
    }
    expect(x.sim.traffic.writes).toBe(0);
  });

  test('an admin pushes monitor through a confirmation; a cross-origin post is refused and writes nothing', async () => {
    const x = await withVersion();
    const admin = await login(x.api, TOKENS.admin);
    expect(await pageText(x.api, '/ui/ise', admin)).toContain('href="/ui/ise/push/monitor"');
    const confirm = await pageText(x.api, '/ui/ise/push/monitor', admin);
    expect(confirm).toContain('Confirm: push monitor of version 1');
    expect(confirm).toContain('action="/ui/ise/push/monitor"');

    const forged = await uiFetch(x.api, '/ui/ise/push/monitor', {
      cookie: admin,
      origin: 'https://evil.test',
      form: { version: '1' },
    });
    expect(forged.status).toBe(403);
    expect(x.sim.traffic.writes).toBe(0);

    const done = await uiFetch(x.api, '/ui/ise/push/monitor', { cookie: admin, form: { version: '1' } });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Pushed monitor of version 1');
    expect(cellStatus(x)).toBe('MONITOR');
    expect(await pageText(x.api, '/ui/ise', admin)).toContain('Nothing to write');
    // The readiness trend on the overview marks the push, in the chart's data and its text list.
    const overview = await pageText(x.api, '/ui', admin);
    expect(overview).toContain(': ISE monitor v1</li>');
    expect(overview).toContain(',"ISE monitor v1"]]}</script>');
  });

  test('names from the dictionary and ISE are escaped', async () => {
    const x = await withVersion();
    await x.api.stores.sgt.put(keys.sgt('acme', 10), {
      name: '<img src=x onerror=alert(1)>',
      updatedBy: 'test',
      updatedAt: new Date().toISOString(),
    });
    const text = await pageText(x.api, '/ui/ise', await login(x.api, TOKENS.admin));
    expect(text).not.toContain('<img src=x');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt; (10)');
  });

  test('a tenant without ISE is told so', async () => {
    h = await startIseApi(embedded);
    const res = await uiFetch(h.api, '/ui/ise', { cookie: await login(h.api, TOKENS.other) });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('ISE not configured');
  });

  test('drift: a cell edited in ISE after the push shows on the drift page', async () => {
    const x = await withVersion();
    const admin = await login(x.api, TOKENS.admin);
    expect(
      (await uiFetch(x.api, '/ui/ise/push/monitor', { cookie: admin, form: { version: '1' } })).status,
    ).toBe(200);
    expect(await pageText(x.api, '/ui/ise/drift', admin)).toContain('No drift');
    const src = x.sim.state.sgtByValue(10)!;
    const dst = x.sim.state.sgtByValue(20)!;
    const cell = x.sim.state.cellFor(src.id, dst.id)!;
    x.sim.state.updateCell(cell.id, { matrixCellStatus: 'DISABLED' });
    const drift = await pageText(x.api, '/ui/ise/drift', admin);
    expect(drift).toContain('differences between ISE and the approved matrix');
    expect(drift).toContain('Employees (10) → Web_Servers (20)');
  });
});

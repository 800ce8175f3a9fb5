/**
 * `scopilot ise …` against `scopilot serve` configured for the loopback ISE
 * simulator (its CA bundle in a file, as an operator gives it): status, a
 * readable plan, push (needs --stage, asks nothing, exit 1 with the report
 * when ISE fails partway), an unchanged re-push, drift, and the exit codes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SIMULATOR_USER,
  type IseSimulator,
  startIseSimulator,
} from '../../integrations/ise/simulator/mod.ts';
import { killChildren } from '../../test/support/child.ts';
import { ISE_TAGS } from '../../test/support/ise.ts';
import { api, type Server, scopilot, scopilotJson, startServer, VIEWER_TOKEN } from './testing.ts';

let sim: IseSimulator;
let server: Server;
let dir: string;

beforeAll(async () => {
  sim = await startIseSimulator({ tags: ISE_TAGS });
  dir = mkdtempSync(join(tmpdir(), 'scopilot-ise-cli-'));
  writeFileSync(join(dir, 'ise-ca.pem'), sim.caPem);
  server = await startServer({
    env: {
      SCOPILOT_ISE__URL: sim.url,
      SCOPILOT_ISE__USERNAME: DEFAULT_SIMULATOR_USER.username,
      SCOPILOT_ISE__PASSWORD: DEFAULT_SIMULATOR_USER.password,
      SCOPILOT_ISE__CA_FILE: join(dir, 'ise-ca.pem'),
      SCOPILOT_ISE__MONITOR_SOAK: '0s',
    },
  });
  await api(server, 'PUT', '/api/v1/sgts/10', {
    body: JSON.stringify({ name: 'Employees' }),
    headers: { 'content-type': 'application/json' },
  });
  const created = await api(server, 'POST', '/api/v1/proposals', {
    body: JSON.stringify({
      sgt: 10,
      dgt: 20,
      aces: [{ action: 'permit', protocol: 'tcp', dstPort: 443 }],
      reason: 'clients need https',
    }),
    headers: { 'content-type': 'application/json' },
  });
  const { id } = (await created.json()) as { id: string };
  await api(server, 'POST', `/api/v1/proposals/${id}/approve`);
}, 60_000);

afterAll(async () => {
  await server?.dispose();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
  killChildren();
});

const cellStatus = (): string | undefined => {
  const src = sim.state.sgtByValue(10);
  const dst = sim.state.sgtByValue(20);
  return src && dst ? sim.state.cellFor(src.id, dst.id)?.matrixCellStatus : undefined;
};

describe('scopilot ise', () => {
  test('status names ISE; usage mistakes exit 2 and write nothing', async () => {
    const status = await scopilot(server, 'ise', 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(sim.url);
    const json = await scopilotJson<{ configured: boolean }>(server, 'ise', 'status');
    expect(json.configured).toBe(true);
    for (const args of [
      ['ise', 'push'],
      ['ise', 'push', '--stage', 'later'],
      ['ise', 'plan', '--stage', 'monitor', '--version', 'x'],
      ['ise', 'plan', 'extra', '--stage', 'monitor'],
    ]) {
      const r = await scopilot(server, ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('usage: scopilot ise');
    }
    expect(sim.traffic.writes).toBe(0);
  });

  test('plan is readable: grouped by kind, tags named, and writes nothing', async () => {
    const r = await scopilot(server, 'ise', 'plan', '--stage', 'monitor');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('plan: monitor of version 1');
    expect(r.stdout).toMatch(/^create cell \(1\)$/m);
    expect(r.stdout).toContain('Employees (10) → Web_Servers (20)');
    expect(r.stdout).toContain('permit tcp dst eq 443');
    expect(sim.traffic.writes).toBe(0);
  });

  test('a viewer may plan but not push', async () => {
    const r = await scopilot({ base: server.url, token: VIEWER_TOKEN }, 'ise', 'push', '--stage', 'monitor');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not allowed');
    expect(sim.traffic.writes).toBe(0);
  });

  test('push monitor writes the cell, asking nothing; a push failing partway exits 1 with its report; again is 0 writes', async () => {
    sim.faults.failWrite(1, 500, 'Internal server error (injected)');
    const failed = await scopilot(server, 'ise', 'push', '--stage', 'monitor');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('FAILED');
    expect(failed.stderr).toContain('ISE writes failed');

    const pushed = await scopilot(server, 'ise', 'push', '--stage', 'monitor');
    expect(pushed.code).toBe(0);
    expect(pushed.stdout).toContain('push: monitor of version 1');
    expect(cellStatus()).toBe('MONITOR');

    const writes = sim.traffic.writes;
    const again = await scopilotJson<{ applied: unknown[] }>(server, 'ise', 'push', '--stage', 'monitor');
    expect(again.applied).toEqual([]);
    expect(sim.traffic.writes).toBe(writes);

    const enforced = await scopilot(server, 'ise', 'push', '--stage', 'enforce');
    expect(enforced.code).toBe(0);
    expect(cellStatus()).toBe('ENABLED');
  });

  test('drift: none, then a cell edited in ISE', async () => {
    const none = await scopilot(server, 'ise', 'drift');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no drift');
    const src = sim.state.sgtByValue(10)!;
    const dst = sim.state.sgtByValue(20)!;
    sim.state.updateCell(sim.state.cellFor(src.id, dst.id)!.id, { matrixCellStatus: 'DISABLED' });
    const some = await scopilot(server, 'ise', 'drift');
    expect(some.code).toBe(0);
    expect(some.stdout).toContain('differences between ISE and the approved matrix');
    expect(some.stdout).toContain('Employees (10) → Web_Servers (20)');
  });
});

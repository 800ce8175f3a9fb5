/**
 * From a flow to a cell in ISE, through the product as shipped, on each
 * engine: `scopilot serve` configured for the loopback ISE simulator (CA
 * bundle in a file, monitor soak 0s); SGACLHIT lines ingested over REST
 * become a proposal, approved over REST; the monitor push writes the cell
 * as MONITOR with the approved ACEs, enforce makes it ENABLED, an unchanged
 * re-push writes nothing, and a cell edited in ISE shows as drift over REST
 * and in /metrics. `--demo` without ISE settings brings its own simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cleanEnv, hitLine, ingest, MAIN, type Server, startServer } from '../cli/client/testing.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import {
  DEFAULT_SIMULATOR_USER,
  type IseSimulator,
  startIseSimulator,
} from '../integrations/ise/simulator/mod.ts';
import { dropSchema } from '../kv-schema/mod.ts';
import { isolatedNamespace } from '../streams/mod.ts';
import { waitFor } from './support/actors.ts';
import { killChildren, spawnChild } from './support/child.ts';
import { describeNats, natsTestUrl, testPrefix } from './support/nats.ts';

const TAGS = [
  { name: 'Employees', value: 10, description: '' },
  { name: 'Web_Servers', value: 20, description: '' },
];

afterAll(() => killChildren());

const json = (body: unknown): RequestInit => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

async function call<T>(server: Server, method: string, path: string, init: RequestInit = {}): Promise<T> {
  return (await (await api(server, method, path, init)).json()) as T;
}

for (const flavour of ['embedded', 'nats'] as const) {
  const suite = flavour === 'nats' ? describeNats : describe;
  suite(`ISE end to end on ${flavour}`, () => {
    let sim: IseSimulator;
    let server: Server;
    let dir: string;
    const ns = isolatedNamespace(testPrefix('ise'));

    beforeAll(async () => {
      sim = await startIseSimulator({ tags: TAGS });
      dir = mkdtempSync(join(tmpdir(), 'scopilot-ise-e2e-'));
      writeFileSync(join(dir, 'ca.pem'), sim.caPem);
      server = await startServer({
        env: {
          SCOPILOT_ISE__URL: sim.url,
          SCOPILOT_ISE__USERNAME: DEFAULT_SIMULATOR_USER.username,
          SCOPILOT_ISE__PASSWORD: DEFAULT_SIMULATOR_USER.password,
          SCOPILOT_ISE__CA_FILE: join(dir, 'ca.pem'),
          SCOPILOT_ISE__MONITOR_SOAK: '0s',
          ...(flavour === 'nats' ? { SCOPILOT_NATS_URL: natsTestUrl(), SCOPILOT_NAMESPACE: ns.root } : {}),
        },
      });
    }, 60_000);

    afterAll(async () => {
      await server?.dispose();
      await sim?.close();
      rmSync(dir, { recursive: true, force: true });
      if (flavour === 'nats') {
        const admin = await openNatsEngine({ servers: natsTestUrl() });
        await dropSchema(admin, ns).catch(() => undefined);
        await admin.close();
      }
    });

    test('a flow becomes an approved cell in ISE: monitor, enforce, an idle re-push, then drift', async () => {
      // Named tags: the classifier judges by tag class; a flow between nameless tags would need review (a deny).
      for (const [tag, name] of [
        [10, 'Employees'],
        [20, 'Web_Servers'],
      ] as const) {
        await api(server, 'PUT', `/api/v1/sgts/${tag}`, {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        });
      }
      // A flow observed on the network, and the proposal it becomes.
      await ingest(server, [hitLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 40 })]);
      let proposalId = '';
      await waitFor('a proposal over REST', async () => {
        const list = await call<{ items: { id: string; sgt: number; dgt: number }[] }>(
          server,
          'GET',
          '/api/v1/proposals',
        );
        proposalId = list.items.find((p) => p.sgt === 10 && p.dgt === 20)?.id ?? '';
        return proposalId !== '';
      });
      const decided = await call<{ ok: boolean; version: number }>(
        server,
        'POST',
        `/api/v1/proposals/${proposalId}/approve`,
      );
      expect(decided).toMatchObject({ ok: true, version: 1 });

      // Monitor: planned, then pushed; the cell appears in ISE as MONITOR with the approved ACE.
      const plan = await call<{ version: number; operations: { kind: string }[] }>(
        server,
        'GET',
        '/api/v1/ise/plan?stage=monitor',
      );
      expect(plan.version).toBe(1);
      expect(plan.operations.map((o) => o.kind)).toContain('create-cell');
      expect(sim.traffic.writes).toBe(0);
      const monitor = await call<{ applied: unknown[]; failed: unknown[] }>(
        server,
        'POST',
        '/api/v1/ise/push',
        json({ stage: 'monitor' }),
      );
      expect(monitor.failed).toEqual([]);
      expect(monitor.applied.length).toBe(plan.operations.length);
      const cell = () => {
        const src = sim.state.sgtByValue(10)!;
        const dst = sim.state.sgtByValue(20)!;
        return sim.state.cellFor(src.id, dst.id);
      };
      expect(cell()?.matrixCellStatus).toBe('MONITOR');
      const content = (cell()?.sgacls ?? []).map((id) => sim.state.sgacl(id)?.aclcontent ?? '').join('\n');
      expect(content).toContain('permit tcp dst eq 443');

      // Enforce after a soak of 0 s.
      const enforce = await call<{ failed: unknown[] }>(
        server,
        'POST',
        '/api/v1/ise/push',
        json({ stage: 'enforce' }),
      );
      expect(enforce.failed).toEqual([]);
      expect(cell()?.matrixCellStatus).toBe('ENABLED');

      // The same version again: nothing to write, and nothing written.
      const writes = sim.traffic.writes;
      for (const stage of ['monitor', 'enforce']) {
        const again = await call<{ applied: unknown[] }>(server, 'POST', '/api/v1/ise/push', json({ stage }));
        expect(again.applied).toEqual([]);
      }
      expect(sim.traffic.writes).toBe(writes);
      expect((await call<{ drift: unknown[] }>(server, 'GET', '/api/v1/ise/drift')).drift).toEqual([]);

      // Someone edits the cell in ISE: drift over REST, and in /metrics.
      sim.state.updateCell(cell()!.id, { matrixCellStatus: 'DISABLED' });
      const drift = await call<{ drift: { kind: string; cell?: { sgt: number; dgt: number } }[] }>(
        server,
        'GET',
        '/api/v1/ise/drift',
      );
      expect(drift.drift).toHaveLength(1);
      expect(drift.drift[0]).toMatchObject({ kind: 'changed', cell: { sgt: 10, dgt: 20 } });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('scopilot_ise_drift_cells{tenant="default"} 1');
    }, 60_000);
  });
}

describe('ISE settings at start-up', () => {
  test('a CA file that cannot be read stops serve with exit 2, naming the setting and not the password', () => {
    const proc = Bun.spawnSync([process.execPath, MAIN, 'serve'], {
      env: cleanEnv({
        SCOPILOT_DATA_DIR: '/nonexistent',
        SCOPILOT_ISE__URL: 'https://ise.example.com:9060',
        SCOPILOT_ISE__USERNAME: 'ersadmin',
        SCOPILOT_ISE__PASSWORD: 'do-not-print-me',
        SCOPILOT_ISE__CA_FILE: '/nonexistent/ise-ca.pem',
      }),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    expect(proc.exitCode).toBe(2);
    const out = proc.stderr.toString() + proc.stdout.toString();
    expect(out).toContain('SCOPILOT_ISE__CA_FILE: cannot read /nonexistent/ise-ca.pem');
    expect(out).not.toContain('do-not-print-me');
  });

  test('insecure: a loud warning at start, and the password never logged', async () => {
    const sim = await startIseSimulator({ tags: TAGS });
    const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-ise-insecure-'));
    try {
      const child = await spawnChild(
        MAIN,
        cleanEnv({
          SCOPILOT_DATA_DIR: dataDir,
          SCOPILOT_HTTP__PORT: '0',
          SCOPILOT_LOG_LEVEL: 'info',
          SCOPILOT_ISE__URL: sim.url,
          SCOPILOT_ISE__USERNAME: DEFAULT_SIMULATOR_USER.username,
          SCOPILOT_ISE__PASSWORD: DEFAULT_SIMULATOR_USER.password,
          SCOPILOT_ISE__INSECURE: 'true',
        }),
        /TLS VERIFICATION IS OFF/,
        ['serve', '--role', 'all'],
      );
      expect(child.lines.some((l) => l.includes('"level":"warn"') && l.includes(sim.url))).toBe(true);
      expect(child.lines.join('\n')).not.toContain(DEFAULT_SIMULATOR_USER.password);
      child.process.kill('SIGTERM');
      expect(await child.process.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await sim.close();
    }
  }, 40_000);
});

describe('ISE in the demo', () => {
  test('serve --demo without ISE settings starts a simulated ISE for the default tenant and says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-ise-demo-'));
    try {
      const child = await spawnChild(
        MAIN,
        cleanEnv({
          SCOPILOT_DATA_DIR: dataDir,
          SCOPILOT_HTTP__PORT: '0',
          SCOPILOT_LOG_LEVEL: 'info',
          SCOPILOT_API__REQUIRE_AUTH: 'false',
        }),
        /"msg":"listening"/,
        ['serve', '--role', 'all', '--demo'],
      );
      const url = JSON.parse(child.lines.find((l) => l.includes('"msg":"listening"')) ?? '{}').url as string;
      expect(child.lines.some((l) => l.includes('demo: a simulated ISE'))).toBe(true);
      await waitFor('ready', async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200);
      const status = (await (await fetch(`${url}/api/v1/ise/status`)).json()) as {
        configured: boolean;
        url: string;
      };
      expect(status.configured).toBe(true);
      expect(status.url).toStartWith('https://127.0.0.1:');
      child.process.kill('SIGTERM');
      expect(await child.process.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 40_000);
});

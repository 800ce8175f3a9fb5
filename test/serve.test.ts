/**
 * `scopilot serve` as an operator runs it: a real process, real HTTP, the
 * embedded engine by default and NATS when SCOPILOT_NATS_URL is set.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { bucketConfigs, dropSchema } from '../kv-schema/mod.ts';
import { isolatedNamespace, streamConfigs } from '../streams/mod.ts';
import { waitFor } from './support/actors.ts';
import { type Child, killChildren, spawnChild } from './support/child.ts';
import { describeNats, natsTestUrl, testPrefix } from './support/nats.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const dirs: string[] = [];

afterAll(() => {
  killChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SCOPILOT_') && v !== undefined) env[k] = v;
  return { ...env, SCOPILOT_HTTP__PORT: '0', SCOPILOT_LOG_LEVEL: 'info', ...extra };
}

async function startServer(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: Child; url: string }> {
  const child = await spawnChild(MAIN, env, /"msg":"listening"/, args);
  const line = child.lines.find((l) => l.includes('"msg":"listening"')) ?? '';
  return { child, url: JSON.parse(line).url as string };
}

async function readyWithin(url: string, ms: number): Promise<number> {
  const started = Date.now();
  await waitFor(
    '/readyz 200',
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200,
    ms,
  );
  return Date.now() - started;
}

function run(args: string[], env: Record<string, string>) {
  const proc = Bun.spawnSync([process.execPath, MAIN, ...args], {
    env: cleanEnv(env),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

describe('scopilot serve on the embedded engine', () => {
  test('is ready within 30 s, answers health and problems, and drains on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-serve-'));
    dirs.push(dataDir);
    const { child, url } = await startServer(['serve'], cleanEnv({ SCOPILOT_DATA_DIR: dataDir }));
    expect(await readyWithin(url, 30_000)).toBeLessThan(30_000);
    const ready = await (await fetch(`${url}/readyz`)).json();
    expect(ready).toEqual({
      status: 'ready',
      checks: { engine: 'ok', schema: 'ok', role: 'ok', store: 'ok', consumers: 'ok' },
      sources: [],
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    child.process.kill('SIGTERM');
    expect(await child.process.exited).toBe(0);
    expect(child.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  }, 40_000);

  test('refuses a role split without NATS, with exit code 2', () => {
    const result = run(['serve', '--role', 'engine'], { SCOPILOT_DATA_DIR: '/nonexistent' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SCOPILOT_NATS_URL');
  });

  test('a bad setting stops start-up with one message naming every bad key, exit code 2', () => {
    const result = run(['serve'], {
      SCOPILOT_HTTP__PORT: 'x',
      SCOPILOT_API__REQUIRE_AUTH: 'maybe',
      SCOPILOT_BOGUS: '1',
    });
    expect(result.code).toBe(2);
    for (const key of ['SCOPILOT_HTTP__PORT', 'SCOPILOT_API__REQUIRE_AUTH', 'SCOPILOT_BOGUS']) {
      expect(result.stderr).toContain(key);
    }
    expect(result.stderr.match(/invalid configuration/g)).toHaveLength(1);
  });

  test('bad usage exits 2, help exits 0', () => {
    expect(run(['serve', '--role', 'king'], {}).code).toBe(2);
    expect(run(['serve', '--bogus'], {}).code).toBe(2);
    expect(run(['frobnicate'], {}).code).toBe(2);
    expect(run(['help'], {}).code).toBe(0);
  });
});

describeNats('scopilot serve on NATS', () => {
  test('is ready within 30 s, and the server carries the streams and buckets of DESIGN §4–5', async () => {
    const ns = isolatedNamespace(testPrefix('s'));
    const env = cleanEnv({ SCOPILOT_NATS_URL: natsTestUrl(), SCOPILOT_NAMESPACE: ns.root });
    const admin = await openNatsEngine({ servers: natsTestUrl() });
    try {
      const { child, url } = await startServer(['serve'], env);
      expect(await readyWithin(url, 30_000)).toBeLessThan(30_000);
      for (const expected of streamConfigs(ns)) {
        const info = await admin.log.streamInfo(expected.name);
        expect(info?.config.subjects).toEqual(expected.subjects);
        expect(info?.config.maxAgeMs ?? 0).toBe(expected.maxAgeMs ?? 0);
        expect(info?.config.denyDelete ?? false).toBe(expected.denyDelete ?? false);
      }
      for (const expected of bucketConfigs(ns)) {
        const config = await admin.kv.bucketConfig(expected.name);
        expect(config?.history).toBe(expected.history);
        expect(config?.maxAgeMs ?? 0).toBe(expected.maxAgeMs ?? 0);
      }
      // Roles as separate processes share the same server.
      const [engineRole, schedulerRole] = await Promise.all([
        startServer(['serve', '--role', 'engine'], env),
        startServer(['serve', '--role', 'scheduler'], env),
      ]);
      await readyWithin(engineRole.url, 30_000);
      await readyWithin(schedulerRole.url, 30_000);
      await waitFor('a scheduler leads', () =>
        [child, schedulerRole.child].some((c) => c.lines.some((l) => l.includes('lease acquired'))),
      );
      for (const c of [child, engineRole.child, schedulerRole.child]) c.process.kill('SIGTERM');
      for (const c of [child, engineRole.child, schedulerRole.child]) expect(await c.process.exited).toBe(0);
    } finally {
      killChildren();
      await dropSchema(admin, ns);
      await admin.close();
    }
  }, 60_000);
});

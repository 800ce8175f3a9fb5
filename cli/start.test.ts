/**
 * What a new user meets on the first start: `npm start` runs the product on
 * real data only (the demo campus is `npm run demo`), prints where the
 * dashboard is and a bootstrap token, `/` leads to the dashboard, `health`
 * checks the token, and `token create` makes one that lasts.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../test/support/actors.ts';
import { cleanEnv, scopilot } from './client/testing.ts';

const ROOT = join(import.meta.dir, '..');
const SCRIPTS = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
  string,
  string
>;

interface Started {
  url: string;
  stdout: string[];
  stderr: string[];
  proc: ReturnType<typeof Bun.spawn>;
}

const started: Started[] = [];
const dirs: string[] = [];

/** SIGTERM, then SIGKILL if it has not drained within 20 s. */
async function stop(s: Started | undefined): Promise<void> {
  if (s === undefined || s.proc.exitCode !== null) return;
  s.proc.kill('SIGTERM');
  await Promise.race([s.proc.exited, Bun.sleep(20_000)]);
  s.proc.kill(9);
}

afterAll(async () => {
  for (const s of started) await stop(s);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function collect(stream: ReadableStream<Uint8Array>, into: string[]) {
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    into.push(...lines);
  }
}

/** An npm script as npm runs it (`bun …` is the Bun npm installed), on a fresh data dir and a free port. */
async function runScript(name: string, env: Record<string, string> = {}): Promise<Started> {
  const script = SCRIPTS[name] ?? '';
  expect(script).toStartWith('bun ');
  const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-start-'));
  dirs.push(dataDir);
  const proc = Bun.spawn([process.execPath, ...script.slice(4).split(' ')], {
    cwd: ROOT,
    env: cleanEnv({ SCOPILOT_DATA_DIR: dataDir, SCOPILOT_HTTP__PORT: '0', ...env }),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const s: Started = { url: '', stdout: [], stderr: [], proc };
  started.push(s);
  void collect(proc.stdout, s.stdout);
  void collect(proc.stderr, s.stderr);
  await waitFor('listening', () => s.stdout.some((l) => l.includes('"msg":"listening"')), 30_000);
  s.url = String(JSON.parse(s.stdout.find((l) => l.includes('"msg":"listening"')) ?? '{}').url);
  await waitFor(
    'ready',
    async () => (await fetch(`${s.url}/readyz`).catch(() => null))?.status === 200,
    30_000,
  );
  return s;
}

const sgtsOf = async (s: Started, token: string) =>
  (await (await fetch(`${s.url}/api/v1/sgts`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    tag: number;
    name: string;
  }[];

describe('npm start on a fresh machine', () => {
  let s: Started;
  let token = '';
  afterAll(() => stop(s));

  test('prints the dashboard address and a bootstrap token, with how to make a lasting one', async () => {
    s = await runScript('start');
    await waitFor('the start-up message', () => s.stderr.some((l) => l.includes('Dashboard:')));
    expect(s.stderr).toContain(`Segmentation Copilot is up. Dashboard: ${s.url}/ui`);
    const at = s.stderr.findIndex((l) => l.startsWith('Bootstrap admin token for tenant "default"'));
    expect(at).toBeGreaterThan(-1);
    token = (s.stderr[at + 1] ?? '').trim();
    expect(token).toMatch(/^scp_[A-Za-z0-9_-]{32}$/);
    expect(s.stderr.join('\n')).toContain('npx scopilot token create --tenant default --role admin');
  }, 40_000);

  test('/ leads to the dashboard', async () => {
    const r = await fetch(`${s.url}/`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/ui');
  });

  test('invents no traffic: no campus tags, no flows', async () => {
    await Bun.sleep(2_000);
    expect(await sgtsOf(s, token)).toEqual([]);
    const flows = await fetch(`${s.url}/api/v1/flows`, { headers: { authorization: `Bearer ${token}` } });
    expect(await flows.json()).toMatchObject({ total: 0, items: [] });
  });

  test('health checks the token, not only readiness', async () => {
    const good = await scopilot({ base: s.url, token }, 'health');
    expect(good).toMatchObject({ code: 0, stdout: `ready (${s.url}); the token is accepted\n` });
    const wrong = await scopilot({ base: s.url, token: 'scp_not-the-right-token-at-all' }, 'health');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('the server refused the token in SCOPILOT_API_TOKEN');
    const none = await scopilot({ base: s.url, token: null }, 'health');
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('set SCOPILOT_API_TOKEN');
    const json = JSON.parse(
      (await scopilot({ base: s.url, token: 'scp_wrong-wrong-wrong' }, 'health', '--json')).stdout,
    );
    expect(json).toMatchObject({ ok: false, status: 'ready', token: 'refused' });
  });

  test('a threat lookup with no provider configured says the address was not checked', async () => {
    const r = await scopilot({ base: s.url, token }, 'threat', 'lookup', '185.220.101.34');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^verdict +not checked: no threat intelligence provider is configured/m);
    expect(r.stdout).not.toContain('not known to be malicious');
  });
});

describe('npm run demo', () => {
  test('feeds the simulated campus: its named tags appear', async () => {
    const s = await runScript('demo', { SCOPILOT_API__REQUIRE_AUTH: 'false' });
    try {
      await waitFor(
        'campus tags',
        async () => (await sgtsOf(s, 'x')).some((e) => e.name === 'Employees'),
        20_000,
      );
    } finally {
      await stop(s);
    }
  }, 60_000);
});

describe('scopilot token create', () => {
  test('a token whose sha256 entry the server accepts, with the role given', async () => {
    const made = await scopilot(
      { base: 'http://127.0.0.1:9' },
      'token',
      'create',
      '--tenant',
      'default',
      '--role',
      'operator',
      '--user',
      'Ann@Example.com',
      '--json',
    );
    expect(made.code).toBe(0);
    const { token, apiKey, setting } = JSON.parse(made.stdout);
    expect(apiKey).toEqual({
      sha256: new Bun.CryptoHasher('sha256').update(token).digest('hex'),
      tenant: 'default',
      role: 'operator',
      user: 'ann@example.com',
    });
    expect(setting).not.toContain(token);

    const s = await runScript('start', { SCOPILOT_API__API_KEYS: setting });
    await waitFor('the start-up message', () => s.stderr.some((l) => l.includes('Dashboard:')));
    expect(s.stderr.join('\n')).not.toContain('Bootstrap admin token');
    const listed = await scopilot({ base: s.url, token }, 'proposal', 'list');
    expect(listed).toMatchObject({ code: 0, stdout: 'no proposals\n' });
    // An operator may not edit the dictionary: the role came through.
    const edit = await scopilot({ base: s.url, token }, 'sgt', 'set', '4', 'Employees');
    expect(edit.code).toBe(1);
    expect(edit.stderr).toContain('not allowed');
    await stop(s);
  }, 60_000);

  test('the human form says where the entry goes; bad input is a usage error', async () => {
    const r = await scopilot({ base: 'http://127.0.0.1:9' }, 'token', 'create', '--role', 'admin');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^token +scp_\S+$/m);
    expect(r.stdout).toContain(`SCOPILOT_API__API_KEYS='[{"sha256":"`);
    for (const args of [
      ['--role', 'root'],
      ['--role', 'admin', '--tenant', 'Not A Tenant'],
      ['--role', 'admin', '--user', 'ann'],
      [],
    ]) {
      const bad = await scopilot({ base: 'http://127.0.0.1:9' }, 'token', 'create', ...args);
      expect({ args, code: bad.code }).toEqual({ args, code: 2 });
    }
  });
});

/**
 * The runbook's backup and restore of the embedded engine (docs/runbook.md), done as an
 * operator does it: a real `scopilot serve` makes matrix versions, proposals and audit
 * records over REST; `scopilot backup` refuses while it runs; with the product stopped
 * the backup is taken, the data directory destroyed, the backup restored, and every
 * version, proposal, pointer flip and audit record is back, over REST and in the store.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEngine } from '../engine/embedded/mod.ts';
import { bucketConfigs } from '../kv-schema/mod.ts';
import { streamConfigs } from '../streams/mod.ts';
import { waitFor } from './support/actors.ts';
import { type Child, cleanEnv, killChildren, spawnChild } from './support/child.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const TOKEN = 'backup-test-admin-token-0123456789';
const dirs: string[] = [];

afterAll(() => {
  killChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function env(dataDir: string): Record<string, string> {
  return cleanEnv({
    SCOPILOT_DATA_DIR: dataDir,
    SCOPILOT_HTTP__PORT: '0',
    SCOPILOT_API__API_KEYS: JSON.stringify([{ token: TOKEN, tenant: 'default', role: 'admin' }]),
  });
}

async function start(dataDir: string): Promise<{ child: Child; url: string }> {
  const child = await spawnChild(MAIN, env(dataDir), /"msg":"listening"/, ['serve']);
  const line = child.lines.find((l) => l.includes('"msg":"listening"')) ?? '';
  const url = JSON.parse(line).url as string;
  await waitFor('/readyz 200', async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200);
  return { child, url };
}

async function stop(child: Child): Promise<void> {
  child.process.kill('SIGTERM');
  expect(await child.process.exited).toBe(0);
}

function cli(args: string[], dataDir: string) {
  const proc = Bun.spawnSync([process.execPath, MAIN, ...args], {
    env: env(dataDir),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

async function api(url: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** What an operator sees over REST: the versions, each proposal with its trail, the current matrix. */
async function restView(url: string) {
  const list = (await api(url, '/proposals')) as { items: { id: string }[] };
  const ids = list.items.map((p) => p.id).sort();
  return {
    versions: await api(url, '/matrix/versions'),
    current: await api(url, '/matrix'),
    proposals: await Promise.all(ids.map((id) => api(url, `/proposals/${id}`))),
  };
}

/** Every stored key with its full history, and every stream's messages (AUDIT included). */
async function storeView(dataDir: string) {
  const engine = await openEmbeddedEngine({ dataDir });
  try {
    const kv: Record<string, unknown[]> = {};
    for (const config of bucketConfigs()) {
      if ((await engine.kv.bucketConfig(config.name)) === null) continue;
      const bucket = await engine.kv.bucket(config.name);
      for (const key of (await bucket.keys()).sort()) {
        kv[`${config.name}/${key}`] = (await bucket.history(key)).map((e) => ({
          revision: e.revision,
          operation: e.operation,
          value: Buffer.from(e.value).toString('base64'),
        }));
      }
    }
    const streams: Record<string, unknown[]> = {};
    for (const config of streamConfigs()) {
      if ((await engine.log.streamInfo(config.name)) === null) continue;
      const messages: unknown[] = [];
      for await (const m of engine.log.replay(config.name))
        messages.push({ seq: m.seq, subject: m.subject, data: new TextDecoder().decode(m.data) });
      streams[config.name] = messages;
    }
    return { kv, streams };
  } finally {
    await engine.close();
  }
}

describe('backup and restore of the embedded engine (runbook)', () => {
  test('back up, destroy the data, restore: the same versions, proposals and audit', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-backup-data-'));
    const backups = mkdtempSync(join(tmpdir(), 'scopilot-backup-files-'));
    dirs.push(dataDir, backups);
    const backupFile = join(backups, 'scopilot.db');

    const first = await start(dataDir);
    const make = async (sgt: number, dstPort: number) =>
      (
        (await api(first.url, '/proposals', {
          sgt,
          dgt: 20,
          aces: [{ action: 'permit', protocol: 'tcp', dstPort }],
          reason: `web service ${dstPort}`,
        })) as { id: string }
      ).id;
    const approved = [await make(10, 443), await make(11, 8443)];
    for (const id of approved) await api(first.url, `/proposals/${id}/approve`, { reason: 'needed' });
    const rejected = await make(12, 23);
    await api(first.url, `/proposals/${rejected}/reject`, { reason: 'telnet is not needed' });
    const before = await restView(first.url);
    expect((before.versions as { versions: unknown[] }).versions.length).toBe(2);
    expect(before.proposals.map((p) => p.status).sort()).toEqual(['applied', 'applied', 'rejected']);

    // While the product runs its database is locked: the backup refuses and says why.
    const refused = cli(['backup', '--out', backupFile], dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already in use by process');
    expect(readdirSync(backups)).toEqual([]);

    await stop(first.child);
    const stored = await storeView(dataDir);
    const audit = Object.entries(stored.streams).find(([name]) => name.endsWith('AUDIT'))?.[1] ?? [];
    expect(audit.length).toBeGreaterThanOrEqual(3);

    const backedUp = cli(['backup', '--out', backupFile], dataDir);
    expect(backedUp.stderr).toBe('');
    expect(backedUp.code).toBe(0);
    expect(backedUp.stdout).toContain(`to ${backupFile}`);
    // A second backup to the same file would overwrite it: refused.
    expect(cli(['backup', '--out', backupFile], dataDir).code).toBe(1);

    // The data is lost.
    rmSync(dataDir, { recursive: true, force: true });

    const restored = cli(['restore', backupFile], dataDir);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(await storeView(dataDir)).toEqual(stored);

    const second = await start(dataDir);
    expect(await restView(second.url)).toEqual(before);
    // Restoring under a running product is refused too.
    const busy = cli(['restore', backupFile], dataDir);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('already in use by process');
    await stop(second.child);
  }, 90_000);

  test('a file that is not an engine database is refused before anything is replaced', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-backup-bad-'));
    dirs.push(dataDir);
    const bogus = join(dataDir, 'not-a-backup.db');
    Bun.write(bogus, 'hello');
    const result = cli(['restore', bogus, '--data-dir', join(dataDir, 'data')], dataDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not a readable SQLite database');
    expect(readdirSync(dataDir)).toEqual(['not-a-backup.db']);
  });

  test('usage mistakes exit 2 naming the usage line', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-backup-usage-'));
    dirs.push(dataDir);
    const noOut = cli(['backup'], dataDir);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('usage: scopilot backup --out FILE');
    const noFile = cli(['restore'], dataDir);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('usage: scopilot restore FILE');
  });
});

/**
 * One process per data directory: a second engine (in this process or another live one) is
 * refused with a clear error; a lock left behind by a dead process is taken over.
 */
import { afterEach, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Engine } from '../types.ts';
import { killHard, startChild } from './child.ts';
import { DataDirLockedError, openEmbeddedEngine } from './mod.ts';

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scopilot-lock-'));
  dirs.push(dir);
  return dir;
}

async function refusal(dataDir: string): Promise<unknown> {
  try {
    engines.push(await openEmbeddedEngine({ dataDir }));
  } catch (error) {
    return error;
  }
  throw new Error('expected the open to be refused');
}

test('a second engine on the same directory in this process is refused; close releases it', async () => {
  const dir = tempDir();
  const first = await openEmbeddedEngine({ dataDir: dir });
  const error = await refusal(dir);
  expect(error).toBeInstanceOf(DataDirLockedError);
  expect((error as Error).message).toContain('serves one process');
  expect((error as Error).message).toContain('NATS');
  expect(first.isConnected()).toBe(true);
  await first.close();
  expect(first.isConnected()).toBe(false);
  const second = await openEmbeddedEngine({ dataDir: dir });
  engines.push(second);
  expect(second.isConnected()).toBe(true);
});

test('a directory held by another live process is refused; after kill -9 the lock is taken over', async () => {
  const dir = tempDir();
  const child = await startChild(dir, 'hold');
  try {
    const error = await refusal(dir);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(`process ${child.proc.pid}`);
  } finally {
    await killHard(child);
  }
  const engine = await openEmbeddedEngine({ dataDir: dir });
  engines.push(engine);
  await engine.log.ensureStream({ name: 'S', subjects: ['s.>'] });
  expect((await engine.log.publish('s.x', new Uint8Array([1]))).seq).toBe(1);
});

test('a stale lock file (dead pid, or our own pid from an earlier incarnation) is taken over', async () => {
  const dir = tempDir();
  const dead = Bun.spawnSync([process.execPath, '-e', '0']).pid;
  fs.writeFileSync(path.join(dir, 'LOCK'), JSON.stringify({ pid: dead, started: '1' }));
  const a = await openEmbeddedEngine({ dataDir: dir });
  await a.close();
  expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  // A container restarted with the same pid finds its own pid in the file.
  fs.writeFileSync(path.join(dir, 'LOCK'), JSON.stringify({ pid: process.pid, started: 'x' }));
  const b = await openEmbeddedEngine({ dataDir: dir });
  engines.push(b);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).pid).toBe(process.pid);
});

test('without its lock file, a directory in use is still refused by the database lock', async () => {
  const dir = tempDir();
  const child = await startChild(dir, 'hold');
  try {
    fs.rmSync(path.join(dir, 'LOCK'));
    expect(await refusal(dir)).toBeInstanceOf(DataDirLockedError);
  } finally {
    await killHard(child);
  }
});

/**
 * Test helpers for the embedded engine's own tests: temporary data directories and engines
 * that are closed and removed after each test, and small readers with timeouts.
 */
import { afterEach } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeliveredMessage, Engine, MessageStream } from '../types.ts';
import { openEmbeddedEngine } from './mod.ts';

/** Call once at the top of a test file: every directory and engine is cleaned up after each test. */
export function useTempEngines(): {
  tempDir: () => string;
  open: (dataDir?: string, clock?: () => number) => Promise<Engine>;
} {
  const dirs: string[] = [];
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scopilot-embedded-'));
    dirs.push(dir);
    return dir;
  };
  const open = async (dataDir = tempDir(), clock?: () => number): Promise<Engine> => {
    const engine = await openEmbeddedEngine(clock ? { dataDir, clock } : { dataDir });
    engines.push(engine);
    return engine;
  };
  return { tempDir, open };
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The next message, or null when none arrives within `ms` (the read stays outstanding). */
export async function next(
  it: AsyncIterator<DeliveredMessage>,
  ms = 1_000,
): Promise<DeliveredMessage | null> {
  const r = await Promise.race([it.next(), Bun.sleep(ms).then(() => null)]);
  return r && !r.done ? r.value : null;
}

export async function take(s: MessageStream, n: number): Promise<DeliveredMessage[]> {
  const it = s[Symbol.asyncIterator]();
  const out: DeliveredMessage[] = [];
  for (let i = 0; i < n; i++) {
    const m = await next(it, 3_000);
    if (!m) throw new Error(`expected ${n} messages, got ${out.length}`);
    out.push(m);
  }
  return out;
}

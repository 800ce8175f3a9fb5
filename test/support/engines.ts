/**
 * Engines for tests: each call opens a fresh one in its own namespace
 * (embedded: its own temp data dir; NATS: its own stream and bucket names),
 * with the product schema ensured, and `dispose()` removes everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEngine } from '../../engine/embedded/mod.ts';
import { openNatsEngine } from '../../engine/nats/mod.ts';
import type { Engine } from '../../engine/types.ts';
import { dropSchema, ensureSchema } from '../../kv-schema/mod.ts';
import { isolatedNamespace, type Namespace } from '../../streams/namespace.ts';
import { natsAvailable, natsTestUrl, testPrefix } from './nats.ts';

export interface TestEngine {
  engine: Engine;
  ns: Namespace;
  /** Embedded only: where its database lives (to reopen it after a restart). */
  dataDir?: string;
  dispose(): Promise<void>;
}

export interface EngineFlavour {
  name: 'embedded' | 'nats';
  available: boolean;
  open(): Promise<TestEngine>;
}

export async function openTestEmbedded(): Promise<TestEngine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-test-'));
  const ns = isolatedNamespace(testPrefix());
  const engine = await openEmbeddedEngine({ dataDir });
  await ensureSchema(engine, ns);
  return {
    engine,
    ns,
    dataDir,
    dispose: async () => {
      await engine.close().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function openTestNats(ns: Namespace = isolatedNamespace(testPrefix())): Promise<TestEngine> {
  const engine = await openNatsEngine({ servers: natsTestUrl(), name: `test-${ns.root}` });
  await ensureSchema(engine, ns);
  return {
    engine,
    ns,
    dispose: async () => {
      await dropSchema(engine, ns).catch(() => undefined);
      await engine.close().catch(() => undefined);
    },
  };
}

export const FLAVOURS: readonly EngineFlavour[] = [
  { name: 'embedded', available: true, open: openTestEmbedded },
  { name: 'nats', available: natsAvailable(), open: () => openTestNats() },
];

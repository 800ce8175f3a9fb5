/**
 * Runs the engine conformance suite against both adapters: NATS JetStream
 * (the reference, skipped loudly when no server answers) and the embedded
 * bun:sqlite engine in a fresh temporary data directory.
 */
import { describe } from 'bun:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeNats, natsTestUrl, testPrefix } from '../test/support/nats.ts';
import { runConformance } from './conformance/mod.ts';
import { openEmbeddedEngine } from './embedded/mod.ts';
import { openNatsEngine } from './nats/mod.ts';

describeNats('engine conformance', () => {
  runConformance('nats adapter', {
    open: async () => ({
      engine: await openNatsEngine({ servers: natsTestUrl(), name: 'conformance' }),
      prefix: testPrefix('conf'),
    }),
  });
});

const dataDirs = new Map<string, string>();
describe('engine conformance', () => {
  runConformance('embedded adapter', {
    open: async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scopilot-conformance-'));
      const prefix = testPrefix('conf');
      dataDirs.set(prefix, dataDir);
      return { engine: await openEmbeddedEngine({ dataDir }), prefix };
    },
    cleanup: async (target) => {
      const dir = dataDirs.get(target.prefix);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  });
});

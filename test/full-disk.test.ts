/**
 * A full disk under the embedded engine: the data directory sits on a 4 MiB
 * tmpfs that the test fills. While it is full, readiness says so (the store
 * probe, and any consumer that stopped); once space is freed, every consumer
 * runs again and every message is applied exactly once, with no restart.
 * Mounting needs root (as in CI); elsewhere the test says loudly that it skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedEngine } from '../engine/embedded/mod.ts';
import { StoreProbe } from '../engine/store-probe.ts';
import { Bucket, bucketName, ensureSchema, keys } from '../kv-schema/mod.ts';
import { isolatedNamespace, subjectsFor } from '../streams/mod.ts';
import { type CountState, countingActor } from './fixtures/counting-actor.ts';
import { publishJson, readState, startSystem, waitFor } from './support/actors.ts';
import { testPrefix } from './support/nats.ts';

const root = mkdtempSync(join(tmpdir(), 'scopilot-full-disk-'));
const mount = Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', root]);
const mounted = mount.exitCode === 0;
if (!mounted)
  console.error(
    `\n!!! FULL-DISK TEST SKIPPED: cannot mount a tmpfs here (${mount.stderr.toString().trim()}); run as root. !!!\n`,
  );

/** Fill the file system to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = new Uint8Array(64 * 1024);
  try {
    for (let size = chunk.length; size >= 1; ) {
      try {
        writeSync(fd, chunk, 0, size);
      } catch {
        size = Math.floor(size / 2);
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

(mounted ? describe : describe.skip)('the embedded engine on a full disk', () => {
  const dataDir = join(root, 'data');
  beforeAll(() => mkdirSync(dataDir));
  afterAll(() => {
    Bun.spawnSync(['umount', root]);
    rmSync(root, { recursive: true, force: true });
  });

  test('readiness reports it, and consumers recover once space is freed', async () => {
    const ns = isolatedNamespace(testPrefix('disk'));
    const engine = await openEmbeddedEngine({ dataDir });
    const te = { engine, ns, dispose: async () => undefined };
    try {
      await ensureSchema(engine, ns);
      // The actor waits at a gate, so the messages are delivered but not applied when the disk fills.
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      // Three deliveries at most: a store fault must not spend them and dead-letter good messages.
      const system = await startSystem(te, [countingActor(ns, { onHandle: () => gate })], { maxDeliver: 3 });
      const subject = subjectsFor(ns).flowsUnknown('acme');
      let sum = 0;
      for (let n = 1; n <= 200; n++) {
        sum += n;
        await publishJson(te, subject, { n }, `m-${n}`);
      }
      const probe = new StoreProbe(
        await engine.kv.bucket(bucketName(Bucket.State, ns)),
        keys.storeProbe(),
        100,
      );
      await probe.start();
      expect(probe.status()).toBeNull();

      const filler = fill(root);
      open();
      try {
        await waitFor('the probe to see the full disk', async () => {
          await probe.probe();
          return probe.status() !== null;
        });
        expect(probe.status()).toContain('full');
        await Bun.sleep(3_000); // many times the redelivery backoff

        rmSync(filler);
        await waitFor(
          'every message applied after space was freed',
          async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 200,
          30_000,
        );
        expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({ count: 200, sum });
        expect(system.consumers().every((c) => c.running)).toBe(true);
        await probe.probe();
        expect(probe.status()).toBeNull();
      } finally {
        probe.stop();
        await system.drain();
      }
    } finally {
      await engine.close().catch(() => undefined);
    }
  }, 60_000);
});

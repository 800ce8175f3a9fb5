/**
 * Large records fit both engines: a value far above NATS's 1 MiB max_payload
 * (a matrix version of thousands of cells) is stored compressed and reads back
 * whole; small values stay plain JSON.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { FLAVOURS, type TestEngine } from '../test/support/engines.ts';
import { describeNats } from '../test/support/nats.ts';
import { Bucket, bucketName } from './buckets.ts';
import { COMPRESS_ABOVE_BYTES, TypedBucket } from './typed.ts';

const Cells = v.object({ cells: v.array(v.object({ sgt: v.number(), dgt: v.number(), aces: v.string() })) });

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`typed records on ${flavour.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    test('a 3 MB record is stored compressed and reads back whole; a small one stays JSON', async () => {
      const te: TestEngine = await flavour.open();
      cleanup.push(() => te.dispose());
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.Matrix, te.ns));
      const typed = new TypedBucket(bucket, Cells);
      const cells = Array.from({ length: 5_000 }, (_, i) => ({
        sgt: i % 500,
        dgt: Math.floor(i / 500),
        aces: `permit tcp dst eq ${i}\npermit udp dst eq 53\ndeny ip log\n`.repeat(12),
      }));
      const big = { cells };
      expect(JSON.stringify(big).length).toBeGreaterThan(3_000_000);
      await typed.create('acme.v.1', big);
      expect((await bucket.get('acme.v.1'))!.value.length).toBeLessThan(1_000_000);
      expect((await typed.get('acme.v.1'))?.value).toEqual(big);

      const small = { cells: cells.slice(0, 2) };
      await typed.put('acme.v.2', small);
      const stored = (await bucket.get('acme.v.2'))!.value;
      expect(stored.length).toBeLessThan(COMPRESS_ABOVE_BYTES);
      expect(JSON.parse(new TextDecoder().decode(stored))).toEqual(small);
    });
  });
}

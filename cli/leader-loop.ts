/**
 * Periodic work done by one process of many: whoever holds the named KV
 * lease runs `run` as it takes over and then every interval; a run slower
 * than the interval is never started twice, and losing the lease stops the
 * timer (another process takes over).
 */
import { hostname } from 'node:os';
import type { Config } from '../config/mod.ts';
import { LeaderLease, type Logger } from '../engine/mod.ts';
import type { Engine } from '../engine/types.ts';
import { Bucket, bucketName, keys } from '../kv-schema/mod.ts';
import type { Namespace } from '../streams/mod.ts';

export interface LeaderLoopContext {
  engine: Engine;
  config: Config;
  ns: Namespace;
  logger: Logger;
}

export async function startLeaderLoop(
  { engine, config, ns, logger }: LeaderLoopContext,
  name: string,
  intervalMs: number,
  run: () => Promise<unknown>,
): Promise<{ stop(): Promise<void> }> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<unknown> | null = null;
  const lease = new LeaderLease({
    bucket: await engine.kv.bucket(bucketName(Bucket.State, ns)),
    key: keys.lease(name),
    holder: `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`,
    ttlMs: config.engine.leaseSeconds * 1_000,
    logger,
    onAcquired: () => {
      const loop = () => {
        if (lease.isLeader() && running === null) {
          running = run().finally(() => {
            running = null;
          });
        }
        timer = setTimeout(loop, intervalMs);
      };
      timer = setTimeout(loop, 1_000);
    },
    onLost: () => {
      if (timer !== null) clearTimeout(timer);
    },
  });
  lease.start();
  return {
    stop: async () => {
      if (timer !== null) clearTimeout(timer);
      await lease.stop();
      await running;
    },
  };
}

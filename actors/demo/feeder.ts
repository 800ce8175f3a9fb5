/**
 * Feeds the simulated campus through the real pipeline: names its SGTs (unless
 * someone already did), then every second ingests that second's lines.
 */
import type { Logger } from '../../engine/log.ts';
import type { EventLog } from '../../engine/types.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';
import type { Subjects } from '../../streams/mod.ts';
import { type IngestMetrics, ingestLines } from '../tail/ingest.ts';
import { CAMPUS_SGTS, campusSecond } from './campus.ts';

export interface DemoOptions {
  tenant: string;
  log: EventLog;
  stores: Stores;
  subjects: Subjects;
  logger: Logger;
  /** Compress time: this many campus seconds per real second (default 1). */
  speed?: number;
  metrics?: IngestMetrics;
}

export interface Demo {
  stop(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  for (const [tag, name] of Object.entries(CAMPUS_SGTS)) {
    const key = keys.sgt(o.tenant, Number(tag));
    if ((await o.stores.sgt.get(key)) === null) {
      await o.stores.sgt.put(key, { name, updatedBy: 'demo', updatedAt: new Date().toISOString() });
    }
  }
  o.logger.info({ tenant: o.tenant }, 'demo campus running: proposals appear within a minute');
  const speed = o.speed ?? 1;
  let running = true;
  let second = Math.floor(Date.now() / 1000) * 1000;
  const loop = (async () => {
    while (running) {
      const lines: string[] = [];
      for (let i = 0; i < speed; i++) lines.push(...campusSecond(second - (speed - 1 - i) * 1000));
      try {
        await ingestLines({
          log: o.log,
          subjects: o.subjects,
          tenant: o.tenant,
          lines,
          origin: `demo-${second}`,
          source: 'demo',
          nowMs: second,
        });
      } catch (error) {
        o.logger.warn({ err: error }, 'demo ingest failed');
      }
      second += 1000;
      await Bun.sleep(Math.max(0, second - Date.now()));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/**
 * Claude calls per 1,000 unknown flows (DESIGN §12: ≤ 1 per 50, and none for
 * a flow classified within the cache window). 1,000 `flows.unknown` messages
 * go through the real classifier actor on the embedded engine, talking to a
 * counting loopback fake of the Messages API; then the same flows again.
 * Baseline beside it: one call per flow, what a naive per-flow classifier makes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifierActor } from '../actors/classifier/actor.ts';
import { ActorSystem } from '../engine/actor/system.ts';
import { openEmbeddedEngine } from '../engine/embedded/mod.ts';
import { silentLogger } from '../engine/log.ts';
import { AnthropicClassifier } from '../integrations/anthropic/client.ts';
import { Bucket, bucketName, ensureSchema, keys, openStores } from '../kv-schema/mod.ts';
import {
  DEFAULT_NAMESPACE,
  encodeMessage,
  type FlowUnknown,
  StreamName,
  streamName,
  subjectsFor,
} from '../streams/mod.ts';
import { startFakeAnthropic } from '../test/fakes/anthropic.ts';

const FLOWS = 1_000;
const ns = DEFAULT_NAMESPACE;
const dir = mkdtempSync(join(tmpdir(), 'scopilot-llm-bench-'));
const engine = await openEmbeddedEngine({ dataDir: dir });
await ensureSchema(engine, ns);
const stores = await openStores(engine, ns);
const fake = await startFakeAnthropic({ fallback: { kind: 'answer' } });
const llm = new AnthropicClassifier({ apiKey: fake.apiKey, model: 'claude-fake', baseURL: fake.url });
const subjects = subjectsFor(ns);
const system = new ActorSystem({
  engine,
  logger: silentLogger(),
  stateBucket: bucketName(Bucket.State, ns),
  stateKey: keys.actorState,
  deadSubject: subjects.dead,
  tenantOf: subjects.tenantOf,
});
await system.start([classifierActor(ns, stores, { mode: 'auto', llm, cacheDays: 7, batchWindowMs: 500 })]);

async function pass(label: string): Promise<number> {
  const before = fake.requests.length;
  const classifiedBefore = (await engine.log.streamInfo(streamName(StreamName.Work, ns)))?.lastSeq ?? 0;
  const run = `${label}-${Date.now()}`;
  await Promise.all(
    Array.from({ length: FLOWS }, (_, i) => {
      const flowId = `${100 + (i % 40)}-${200 + Math.floor(i / 40)}-tcp-any-${1000 + i}`;
      const [sgt, dgt] = flowId.split('-').map(Number) as [number, number];
      const data: FlowUnknown = {
        flowId,
        sgt,
        dgt,
        protocol: 'tcp',
        srcPort: 'any',
        dstPort: 1000 + i,
        hits: 1,
        trigger: 'scan',
        triggerRef: run,
      };
      const id = `${run}-${i}`;
      return engine.log.publish(
        subjects.flowsUnknown('bench'),
        encodeMessage({ id, tenant: 'bench', at: new Date().toISOString(), data }),
        { msgId: id },
      );
    }),
  );
  // Done when every unknown flow has its classified message.
  for (;;) {
    const info = await engine.log.streamInfo(streamName(StreamName.Work, ns));
    if ((info?.lastSeq ?? 0) - classifiedBefore >= 2 * FLOWS) break;
    await Bun.sleep(50);
  }
  return fake.requests.length - before;
}

const first = await pass('first');
const repeat = await pass('repeat');
console.log(
  `Claude calls per ${FLOWS.toLocaleString('en-US')} unknown flows (baseline: one call per flow = ${FLOWS})`,
);
console.log(`  first pass   ${String(first).padStart(5)}   target ≤ 20   ${first <= 20 ? 'PASS' : 'FAIL'}`);
console.log(`  repeat pass  ${String(repeat).padStart(5)}   target 0      ${repeat === 0 ? 'PASS' : 'FAIL'}`);
await system.drain();
await fake.stop();
await engine.close();
rmSync(dir, { recursive: true, force: true });
process.exit(first <= 20 && repeat === 0 ? 0 : 1);

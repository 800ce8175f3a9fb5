/** Helpers for actor tests: a system wired to a test engine, publishing, reading state, waiting. */
import { ActorSystem, type ActorSystemOptions } from '../../engine/actor/system.ts';
import type { AnyActorDefinition } from '../../engine/actor/types.ts';
import { silentLogger } from '../../engine/log.ts';
import type { StoredMessage } from '../../engine/types.ts';
import { Bucket, bucketName, keys } from '../../kv-schema/mod.ts';
import { type StreamName, streamName, subjectsFor } from '../../streams/mod.ts';
import type { TestEngine } from './engines.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function systemFor(te: TestEngine, overrides: Partial<ActorSystemOptions> = {}): ActorSystem {
  const subjects = subjectsFor(te.ns);
  return new ActorSystem({
    engine: te.engine,
    logger: silentLogger(),
    stateBucket: bucketName(Bucket.State, te.ns),
    stateKey: keys.actorState,
    deadSubject: subjects.dead,
    tenantOf: subjects.tenantOf,
    ackWaitMs: 2_000,
    maxDeliver: 3,
    backoff: { baseMs: 50, maxMs: 200 },
    ...overrides,
  });
}

export async function startSystem(
  te: TestEngine,
  definitions: AnyActorDefinition[],
  overrides: Partial<ActorSystemOptions> = {},
): Promise<ActorSystem> {
  const system = systemFor(te, overrides);
  await system.start(definitions);
  return system;
}

export async function publishJson(te: TestEngine, subject: string, body: unknown, msgId?: string) {
  return te.engine.log.publish(
    subject,
    encoder.encode(JSON.stringify(body)),
    msgId === undefined ? {} : { msgId },
  );
}

export async function readState<T>(te: TestEngine, kind: string, tenant: string): Promise<T | null> {
  const bucket = await te.engine.kv.bucket(bucketName(Bucket.State, te.ns));
  const entry = await bucket.get(keys.actorState(kind, tenant));
  return entry === null ? null : (JSON.parse(decoder.decode(entry.value)).state as T);
}

/** Every stored message of a stream whose subject matches `filter`, decoded as JSON. */
export async function readAll(
  te: TestEngine,
  stream: StreamName,
  filter: string,
): Promise<(StoredMessage & { json: unknown })[]> {
  const out: (StoredMessage & { json: unknown })[] = [];
  for await (const m of te.engine.log.replay(streamName(stream, te.ns), { filterSubject: filter })) {
    out.push({ ...m, json: JSON.parse(decoder.decode(m.data)) });
  }
  return out;
}

export async function waitFor(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

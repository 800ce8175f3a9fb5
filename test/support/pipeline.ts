/** The whole flow pipeline on a test engine: actors, keeper, and helpers to feed and inspect it. */
import { flowActors, serveMatrixKeeper } from '../../actors/mod.ts';
import type { ActorSystem } from '../../engine/actor/system.ts';
import { keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import type { ProposalRecord } from '../../kv-schema/records.ts';
import { type CommandReply, encodeMessage, type FlowObserved, subjectsFor } from '../../streams/mod.ts';
import { startSystem } from './actors.ts';
import type { TestEngine } from './engines.ts';

export interface Pipeline {
  system: ActorSystem;
  stores: Stores;
  stop(): Promise<void>;
}

/**
 * The tags the helpers' flows use, named as a site would: the classifier
 * judges by tag class, and two nameless tags give it nothing to go on (their
 * flows need review and are proposed as denies).
 */
export const PIPELINE_TAGS: Readonly<Record<number, string>> = {
  10: 'IT_Admins',
  20: 'Web_Servers',
  30: 'DNS_Servers',
};

export async function nameTags(stores: Stores, tenant: string): Promise<void> {
  for (const [tag, name] of Object.entries(PIPELINE_TAGS)) {
    await stores.sgt.put(keys.sgt(tenant, Number(tag)), {
      name,
      updatedBy: 'test',
      updatedAt: new Date(0).toISOString(),
    });
  }
}

export async function startPipeline(te: TestEngine, learningMs = 0): Promise<Pipeline> {
  const stores = await openStores(te.engine, te.ns);
  await nameTags(stores, 'acme');
  const keeper = serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns));
  const system = await startSystem(
    te,
    flowActors(te.ns, stores, {
      classifier: { mode: 'heuristic', cacheDays: 7, batchWindowMs: 50 },
      proposer: { learningMs },
    }),
  );
  return {
    system,
    stores,
    stop: async () => {
      await system.drain();
      await keeper.stop();
    },
  };
}

let sequence = 0;

export function observed(over: Partial<FlowObserved> = {}): FlowObserved {
  return {
    sgt: 10,
    dgt: 20,
    protocol: 'tcp',
    srcPort: 'any',
    dstPort: 443,
    hits: 10,
    events: 1,
    firstSeen: '2026-06-18T10:00:00.000Z',
    lastSeen: '2026-06-18T10:00:01.000Z',
    srcSamples: ['10.0.0.1'],
    dstSamples: ['10.0.1.1'],
    actions: ['permit'],
    permitHits: over.hits ?? 10,
    denyHits: 0,
    switches: ['sw01'],
    interfaces: ['Gi1/0/1'],
    source: 'test',
    ...over,
  };
}

export async function observe(te: TestEngine, tenant: string, delta: FlowObserved): Promise<void> {
  const id = `obs-${Date.now()}-${sequence++}`;
  await te.engine.log.publish(
    subjectsFor(te.ns).flowsObserved(tenant, delta.sgt, delta.dgt),
    encodeMessage({ id, tenant, at: new Date().toISOString(), by: 'test', data: delta }),
    { msgId: id },
  );
}

export async function proposals(stores: Stores, tenant: string): Promise<ProposalRecord[]> {
  const out: ProposalRecord[] = [];
  for (const key of await stores.proposals.keys(keys.tenantAll(tenant))) {
    const found = await stores.proposals.get(key);
    if (found) out.push(found.value);
  }
  return out.sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt || a.createdAtMs - b.createdAtMs);
}

export async function decide(
  te: TestEngine,
  tenant: string,
  proposalId: string,
  decision: 'approve' | 'reject',
  by = 'ann',
): Promise<CommandReply> {
  const body = { proposalId, decision, by, channel: 'api' };
  const reply = await te.engine.rpc.request(
    subjectsFor(te.ns).command(tenant, 'decide'),
    new TextEncoder().encode(JSON.stringify(body)),
    10_000,
  );
  return JSON.parse(new TextDecoder().decode(reply));
}

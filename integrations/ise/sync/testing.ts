/**
 * For the sync's tests: a test engine, the loopback ISE simulator with a
 * client trusting it, the sync over both, and the few ways a test acts as
 * the product's users do — approving a proposal through the matrix keeper,
 * recording observed traffic, editing ISE as an administrator would.
 */

import { MatrixKeeper } from '../../../actors/matrix-keeper/keeper.ts';
import type { Ace } from '../../../domain/ace.ts';
import type { ContractAce } from '../../../domain/contracts.ts';
import { idempotencyKey, type Proposal, proposalIdFor } from '../../../domain/proposal.ts';
import { keys, openStores, type Stores } from '../../../kv-schema/mod.ts';
import { subjectsFor } from '../../../streams/mod.ts';
import type { EngineFlavour, TestEngine } from '../../../test/support/engines.ts';
import { createIseClient, type IseErsClient } from '../client.ts';
import type { SimulatorCertificates } from '../simulator/certs.ts';
import {
  DEFAULT_SIMULATOR_USER,
  type IseSimulator,
  type IseSimulatorOptions,
  startIseSimulator,
} from '../simulator/mod.ts';
import type { IseErsApi } from '../types.ts';
import type { IseSyncSettings } from './options.ts';
import { IseSyncService } from './service.ts';

export const TENANT = 'acme';

export interface SyncFixture {
  te: TestEngine;
  stores: Stores;
  sim: IseSimulator;
  client: IseErsClient;
  sync: IseSyncService;
  clock: { now: number };
  keeper: MatrixKeeper;
}

export async function openFixture(
  flavour: EngineFlavour,
  certificates: SimulatorCertificates,
  o: {
    sim?: IseSimulatorOptions;
    settings?: Partial<IseSyncSettings>;
    client?: (c: IseErsApi) => IseErsApi;
  } = {},
): Promise<SyncFixture> {
  const te = await flavour.open();
  const stores = await openStores(te.engine, te.ns);
  const sim = await startIseSimulator({ certificates, ...o.sim });
  const client = createIseClient({
    url: sim.url,
    username: DEFAULT_SIMULATOR_USER.username,
    password: DEFAULT_SIMULATOR_USER.password,
    caPem: sim.caPem,
    backoff: { baseMs: 5, maxMs: 20 },
  });
  const clock = { now: Date.parse('2026-03-01T08:00:00Z') };
  const sync = new IseSyncService({
    client: o.client ? o.client(client) : client,
    urlFor: () => sim.url,
    engine: te.engine,
    ns: te.ns,
    stores,
    settings: { monitorSoakMs: 0, denyDefaultMinReadiness: 0.99, ...o.settings },
    now: () => clock.now,
  });
  const keeper = new MatrixKeeper({
    stores,
    log: te.engine.log,
    subjects: subjectsFor(te.ns),
    now: () => clock.now,
  });
  return { te, stores, sim, client, sync, clock, keeper };
}

export async function closeFixture(f: SyncFixture | undefined): Promise<void> {
  if (f === undefined) return;
  await f.sim.close();
  await f.te.dispose();
}

export function contractAce(ace: Ace, hits = 10): ContractAce {
  const flowId = `1-2-${ace.protocol === 'ip' ? '6' : ace.protocol}-any-${ace.dstPort ?? 'any'}`;
  return {
    ...ace,
    hits,
    events: 1,
    flowIds: [flowId],
    conflict: false,
    decision: {
      flowId,
      category: ace.action === 'permit' ? 'business_relevant' : 'harmful',
      source: 'heuristic',
      risk: 'low',
      rationale: 'test',
    },
  };
}

/** A proposal for the pair, approved through the keeper: the next version. Answers its id and the version. */
export async function approve(
  f: SyncFixture,
  sgt: number,
  dgt: number,
  aces: readonly Ace[],
): Promise<{ id: string; version: number }> {
  const contract = aces.map((a) => contractAce(a));
  const key = idempotencyKey(TENANT, `test-${f.clock.now}-${Math.random()}`, sgt, dgt, contract);
  const p: Proposal = {
    id: proposalIdFor(key),
    tenant: TENANT,
    idempotencyKey: key,
    sgt,
    dgt,
    aces: contract,
    evidence: [],
    triggers: [{ trigger: 'scan', ref: key.slice(0, 12) }],
    status: 'pending',
    rare: false,
    createdBy: 'proposer',
    createdAtMs: f.clock.now,
    updatedAtMs: f.clock.now,
    expiresAtMs: f.clock.now + 86_400_000,
    history: [{ status: 'pending', atMs: f.clock.now, by: 'proposer', channel: 'system' }],
  };
  await f.stores.proposals.create(keys.proposal(TENANT, p.id), p);
  const reply = await f.keeper.decide(TENANT, {
    proposalId: p.id,
    decision: 'approve',
    by: 'ann',
    channel: 'api',
  });
  if (!reply.ok || reply.version === undefined) throw new Error(`approval failed: ${JSON.stringify(reply)}`);
  return { id: p.id, version: reply.version };
}

/** Observed traffic: one inventory record per flow. */
export async function observe(
  f: SyncFixture,
  flows: readonly { sgt: number; dgt: number; protocol: string; dstPort: number | 'any'; hits: number }[],
): Promise<void> {
  for (const x of flows) {
    const flowId = `${x.sgt}-${x.dgt}-${x.protocol}-any-${x.dstPort}`;
    await f.stores.inventory.put(keys.inventory(TENANT, flowId), {
      flowId,
      sgt: x.sgt,
      dgt: x.dgt,
      protocol: x.protocol,
      srcPort: 'any',
      dstPort: x.dstPort,
      hits: x.hits,
      events: 1,
      firstSeenMs: f.clock.now,
      lastSeenMs: f.clock.now,
      days: [20500],
      srcSamples: [],
      dstSamples: [],
      permitHits: x.hits,
      denyHits: 0,
      unknownAt: null,
      rev: 1,
    });
  }
}

/** As an administrator in ISE's GUI: an SGACL and a cell between two groups named by value. */
export function adminCell(
  sim: IseSimulator,
  src: number,
  dst: number,
  sgacls: readonly { name: string; aclcontent: string }[],
  o: { status?: 'ENABLED' | 'DISABLED' | 'MONITOR'; defaultRule?: 'NONE' | 'DENY_IP' | 'PERMIT_IP' } = {},
) {
  const ids = sgacls.map((s) => (sim.state.sgaclByName(s.name) ?? sim.state.createSgacl(s)).id);
  return sim.state.createCell({
    sourceSgtId: sim.state.sgtByValue(src)!.id,
    destinationSgtId: sim.state.sgtByValue(dst)!.id,
    matrixCellStatus: o.status ?? 'ENABLED',
    defaultRule: o.defaultRule ?? 'NONE',
    sgacls: ids,
  });
}

/** The simulator's cell between two group values, if any. */
export const simCell = (sim: IseSimulator, src: number, dst: number) =>
  sim.state.cellFor(sim.state.sgtByValue(src)!.id, sim.state.sgtByValue(dst)!.id);

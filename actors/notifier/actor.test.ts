/**
 * The notifier on a real engine against the fake WebEx API: a card for a new
 * proposal (which becomes notified and audited), 429s waited out by the
 * client, failures retried by the engine, and decisions made elsewhere
 * summarised in the card's thread.
 */
import { afterEach, expect, test } from 'bun:test';
import type { ActorSystem } from '../../engine/actor/system.ts';
import { WebexClient } from '../../integrations/webex/client.ts';
import { roomDirectory } from '../../integrations/webex/rooms.ts';
import { sampleProposal } from '../../integrations/webex/testing.ts';
import { keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import { encodeMessage, StreamName, subjectsFor } from '../../streams/mod.ts';
import { type FakeWebex, startFakeWebex } from '../../test/fakes/webex.ts';
import { readAll, startSystem, waitFor } from '../../test/support/actors.ts';
import { openTestEmbedded, type TestEngine } from '../../test/support/engines.ts';
import { decide } from '../../test/support/pipeline.ts';
import { type KeeperService, serveMatrixKeeper } from '../matrix-keeper/actor.ts';
import { notifierActor } from './actor.ts';

const ROOM = 'room-ops';
let te: TestEngine;
let fake: FakeWebex;
let system: ActorSystem | null = null;
let keeper: KeeperService | null = null;
let stores: Stores;

afterEach(async () => {
  await system?.drain();
  await keeper?.stop();
  await fake?.stop();
  await te?.dispose();
  system = keeper = null;
});

async function setup(maxAttempts = 4) {
  te = await openTestEmbedded();
  fake = await startFakeWebex();
  stores = await openStores(te.engine, te.ns);
  const updatedAt = new Date().toISOString();
  await stores.sgt.put(keys.sgt('acme', 10), { name: 'Employees', updatedBy: 'test', updatedAt });
  await stores.sgt.put(keys.sgt('acme', 20), { name: 'Web Servers', updatedBy: 'test', updatedAt });
  const api = new WebexClient({ baseUrl: fake.url, token: fake.token, maxAttempts, baseDelayMs: 10 });
  system = await startSystem(te, [
    notifierActor(te.ns, stores, { api, rooms: roomDirectory([{ roomId: ROOM, tenant: 'acme' }]) }),
  ]);
}

async function created(id = sampleProposal().id) {
  const msgId = `proposal:acme:${id}:created`;
  await te.engine.log.publish(
    subjectsFor(te.ns).proposal('acme', 'created'),
    encodeMessage({
      id: msgId,
      tenant: 'acme',
      at: new Date().toISOString(),
      by: 'proposer',
      data: { proposalId: id, status: 'pending', revision: 1 },
    }),
    { msgId },
  );
}

const cards = () => fake.posted.filter((m) => m.attachments?.length);
const posts = () => fake.calls.filter((c) => c.method === 'POST' && c.path === '/v1/messages');

test('a new proposal gets a card in its tenant’s room and becomes notified', async () => {
  await setup();
  const p = sampleProposal();
  await stores.proposals.create(keys.proposal('acme', p.id), p);
  await created();
  await waitFor('a card', () => cards().length === 1);
  expect(cards()[0]?.roomId).toBe(ROOM);
  expect(cards()[0]?.markdown).toContain(
    '**New proposal** `p-0123456789abcdef0123`: Employees (10) → Web Servers (20)',
  );
  await waitFor(
    'notified',
    async () => (await stores.proposals.get(keys.proposal('acme', p.id)))?.value.status === 'notified',
  );
  const stored = (await stores.proposals.get(keys.proposal('acme', p.id)))?.value;
  expect(stored?.history.at(-1)).toMatchObject({ status: 'notified', by: 'notifier', channel: 'webex' });
  await waitFor('audited', async () => {
    const audit = await readAll(te, StreamName.Audit, subjectsFor(te.ns).audit('acme'));
    return audit.some((m) => (m.json as { data: { action: string } }).data.action === 'proposal.notified');
  });
  // The same event again (a redelivery, a replay) posts nothing new.
  await te.engine.log.publish(
    subjectsFor(te.ns).proposal('acme', 'updated'),
    encodeMessage({
      id: 'u1',
      tenant: 'acme',
      at: new Date().toISOString(),
      data: { proposalId: p.id, status: 'notified', revision: 2 },
    }),
  );
  // Events of one tenant are handled in order: once a later proposal's card is out, that one was handled.
  const later = sampleProposal({ id: 'p-later', sgt: 30 });
  await stores.proposals.create(keys.proposal('acme', later.id), later);
  await created(later.id);
  await waitFor('the later card', () => cards().length === 2);
  expect(cards().map((c) => c.markdown?.includes('p-later'))).toEqual([false, true]);
});

test('a 429 is waited out (Retry-After) and the card still goes out once', async () => {
  await setup();
  const p = sampleProposal();
  await stores.proposals.create(keys.proposal('acme', p.id), p);
  fake.throttle(1, 1, 'POST');
  await created();
  await waitFor('a card', () => cards().length === 1);
  const [first, second] = posts();
  expect([first?.status, second?.status]).toEqual([429, 200]);
  expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(900);
});

test('when the client gives up, the engine retries the event', async () => {
  await setup(1);
  const p = sampleProposal();
  await stores.proposals.create(keys.proposal('acme', p.id), p);
  fake.throttle(2, 0, 'POST');
  await created();
  await waitFor('a card after two failed deliveries', () => cards().length === 1);
  expect(posts().map((c) => c.status)).toEqual([429, 429, 200]);
});

test('a decision made through the API is summarised in the card’s thread', async () => {
  await setup();
  keeper = serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns));
  const p = sampleProposal();
  await stores.proposals.create(keys.proposal('acme', p.id), p);
  await created();
  await waitFor('a card', () => cards().length === 1);
  expect(await decide(te, 'acme', p.id, 'approve', 'ann@example.com')).toMatchObject({
    ok: true,
    version: 1,
  });
  await waitFor('two summaries', () => fake.posted.length === 3);
  const [, approved, applied] = fake.posted;
  const card = cards()[0]!;
  expect([approved?.parentId, applied?.parentId]).toEqual([card.id, card.id]);
  expect(approved?.markdown).toContain('✅ **Approved**');
  expect(approved?.markdown).toContain('by ann@example.com via the REST API');
  expect(applied?.markdown).toContain('Employees (10) → Web Servers (20): matrix version 1 is live');
});

/**
 * ISE drift notices: the pure plan (post when drift appears or changes, once
 * when it goes, never for the same drift twice, nothing for old reports, all
 * names escaped) and the actor on a real engine posting to the fake WebEx API.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { ActorSystem } from '../../engine/actor/system.ts';
import { WebexClient } from '../../integrations/webex/client.ts';
import { roomDirectory } from '../../integrations/webex/rooms.ts';
import { keys, openStores } from '../../kv-schema/mod.ts';
import { encodeMessage, type IseDriftReport, subjectsFor } from '../../streams/mod.ts';
import { type FakeWebex, startFakeWebex } from '../../test/fakes/webex.ts';
import { startSystem, waitFor } from '../../test/support/actors.ts';
import { openTestEmbedded, type TestEngine } from '../../test/support/engines.ts';
import { iseDriftNotifierActor } from './drift-actor.ts';
import { driftFingerprint, INITIAL_DRIFT_NOTICE, MAX_LISTED, planDriftNotice } from './drift-logic.ts';

const ROOM = 'room-ops';

function report(drifts: IseDriftReport['drifts'], version = 3): IseDriftReport {
  return { version, count: drifts.length, drifts, truncated: false, readAt: new Date().toISOString() };
}

const changed = (sgt = 10, dgt = 20, actual = 'DISABLED'): IseDriftReport['drifts'][number] => ({
  kind: 'changed',
  sgt,
  dgt,
  srcName: 'Employees',
  dstName: 'Web_Servers',
  expected: 'ENABLED',
  actual,
  detail: `status ${actual} in ISE, ENABLED approved`,
});

const names = new Map([[10, 'Employees']]);
const input = (r: IseDriftReport, ageMs = 0) => ({ tenant: 'acme', report: r, names, roomId: ROOM, ageMs });

describe('drift notice plan', () => {
  test('drift appearing posts one notice naming the cells; the same drift again posts nothing', () => {
    const first = planDriftNotice(INITIAL_DRIFT_NOTICE, input(report([changed()])));
    expect(first.post?.roomId).toBe(ROOM);
    expect(first.post?.markdown).toContain('**ISE drift** for tenant acme: 1 difference');
    expect(first.post?.markdown).toContain('Employees (10) → Web\\_Servers (20)');
    const again = planDriftNotice(first.state, input(report([changed()])));
    expect(again.post).toBeNull();
    // Reordered, the same differences are the same drift.
    const two = report([changed(10, 20), changed(10, 30)]);
    const swapped = report([changed(10, 30), changed(10, 20)]);
    expect(driftFingerprint(two)).toBe(driftFingerprint(swapped));
  });

  test('different drift posts again; drift gone posts once that ISE matches, then nothing', () => {
    const a = planDriftNotice(INITIAL_DRIFT_NOTICE, input(report([changed()])));
    const b = planDriftNotice(a.state, input(report([changed(10, 20, 'MONITOR')])));
    expect(b.post?.markdown).toContain('status MONITOR');
    const gone = planDriftNotice(b.state, input(report([])));
    expect(gone.post?.markdown).toContain('**ISE matches** approved matrix version 3 again');
    expect(planDriftNotice(gone.state, input(report([]))).post).toBeNull();
    expect(planDriftNotice(INITIAL_DRIFT_NOTICE, input(report([]))).post).toBeNull();
  });

  test('old reports and tenants without a room update the state and post nothing', () => {
    const old = planDriftNotice(INITIAL_DRIFT_NOTICE, input(report([changed()]), 2 * 3_600_000));
    expect(old.post).toBeNull();
    expect(old.state.count).toBe(1);
    const noRoom = planDriftNotice(INITIAL_DRIFT_NOTICE, { ...input(report([changed()])), roomId: null });
    expect(noRoom.post).toBeNull();
  });

  test('long drift is cut to the first differences and counted; text from ISE cannot plant markup', () => {
    const many = Array.from({ length: 30 }, (_, i) => changed(10, 100 + i));
    const r = { ...report(many), count: 130 };
    const text = planDriftNotice(INITIAL_DRIFT_NOTICE, input(r)).post?.markdown ?? '';
    expect(text.split('\n').filter((l) => l.startsWith('- changed'))).toHaveLength(MAX_LISTED);
    expect(text).toContain('… and 120 more');
    const evil = { ...changed(), srcName: '<@all> [x](http://evil)', detail: '**boom** <@all>' };
    const escaped = planDriftNotice(INITIAL_DRIFT_NOTICE, {
      ...input(report([{ ...evil, sgt: 40 }])),
    }).post?.markdown;
    expect(escaped).not.toContain('<@all>');
    expect(escaped).not.toContain('[x](');
  });
});

describe('drift notices on the engine', () => {
  let te: TestEngine;
  let fake: FakeWebex;
  let system: ActorSystem | null = null;
  afterEach(async () => {
    await system?.drain();
    await fake?.stop();
    await te?.dispose();
    system = null;
  });

  test('a drift report posts to the tenant’s room once; the same report again does not', async () => {
    te = await openTestEmbedded();
    fake = await startFakeWebex();
    const stores = await openStores(te.engine, te.ns);
    await stores.sgt.put(keys.sgt('acme', 20), {
      name: 'Web Servers',
      updatedBy: 'test',
      updatedAt: new Date().toISOString(),
    });
    const api = new WebexClient({ baseUrl: fake.url, token: fake.token, baseDelayMs: 10 });
    system = await startSystem(te, [
      iseDriftNotifierActor(te.ns, stores, { api, rooms: roomDirectory([{ roomId: ROOM, tenant: 'acme' }]) }),
    ]);
    const publish = async (r: IseDriftReport, n: number) => {
      const msgId = `ise-drift:acme:${n}`;
      await te.engine.log.publish(
        subjectsFor(te.ns).iseDrift('acme'),
        encodeMessage({ id: msgId, tenant: 'acme', at: new Date().toISOString(), by: 'scheduler', data: r }),
        { msgId },
      );
    };
    await publish(report([changed()]), 1);
    await waitFor('a drift notice', () => fake.posted.length === 1);
    expect(fake.posted[0]?.roomId).toBe(ROOM);
    expect(fake.posted[0]?.markdown).toContain('Employees (10) → Web Servers (20)');
    await publish(report([changed()]), 2);
    await publish(report([]), 3);
    await waitFor('ISE matches again', () => fake.posted.length === 2);
    expect(fake.posted[1]?.markdown).toContain('**ISE matches**');
  });
});

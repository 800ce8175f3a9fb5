/** Which proposal event posts what: cards on created/updated, summaries after, nothing twice. */
import { describe, expect, test } from 'bun:test';
import { cardFingerprint } from '../../integrations/webex/cards.ts';
import { SAMPLE_NAMES, sampleProposal } from '../../integrations/webex/testing.ts';
import {
  forget,
  MAX_CARDS,
  type NotifierInput,
  planNotifications,
  remember,
  SUMMARY_MAX_AGE_MS,
} from './logic.ts';

const p = sampleProposal();
const input = (over: Partial<NotifierInput> = {}): NotifierInput => ({
  event: 'created',
  status: 'pending',
  proposal: p,
  names: SAMPLE_NAMES,
  roomId: 'room-1',
  card: undefined,
  ageMs: 0,
  ...over,
});
const memo = (fingerprint = cardFingerprint(p)) => ({ messageId: 'card-1', fingerprint, atMs: 1 });

describe('planNotifications', () => {
  test('created: a card, and the proposal becomes notified', () => {
    const plan = planNotifications(input());
    expect(plan.effects.map((e) => e.type)).toEqual(['post.card', 'mark.notified']);
    expect(plan.effects[0]).toMatchObject({
      roomId: 'room-1',
      proposalId: p.id,
      fingerprint: cardFingerprint(p),
    });
    expect(plan.forget).toBe(false);
  });

  test('a redelivered created event, or an update that changed no ACE, posts nothing', () => {
    expect(planNotifications(input({ card: memo() })).effects).toEqual([]);
    expect(planNotifications(input({ event: 'updated', card: memo() })).effects).toEqual([]);
  });

  test('updated with new ACEs: an updated card; an already notified proposal is not marked again', () => {
    const grown = sampleProposal({ status: 'notified', aces: [...p.aces, { ...p.aces[0]!, dstPort: 22 }] });
    const plan = planNotifications(input({ event: 'updated', proposal: grown, card: memo() }));
    expect(plan.effects.map((e) => e.type)).toEqual(['post.card']);
    expect(plan.effects[0]).toMatchObject({ markdown: expect.stringContaining('**Updated proposal**') });
  });

  test('no card once decided, no room, or no proposal', () => {
    expect(planNotifications(input({ proposal: sampleProposal({ status: 'rejected' }) })).effects).toEqual(
      [],
    );
    expect(planNotifications(input({ roomId: null })).effects).toEqual([]);
    expect(planNotifications(input({ proposal: null })).effects).toEqual([]);
    expect(planNotifications(input({ event: 'someday' })).effects).toEqual([]);
  });

  test('decisions made elsewhere are summarised in the card thread', () => {
    const decided = sampleProposal({
      status: 'approved',
      decision: { by: 'ann@example.com', channel: 'api', atMs: Date.parse('2026-06-18T12:00:00Z') },
    });
    const plan = planNotifications(
      input({ event: 'decided', status: 'approved', channel: 'api', proposal: decided, card: memo() }),
    );
    expect(plan).toEqual({
      effects: [
        {
          type: 'post.summary',
          roomId: 'room-1',
          parentId: 'card-1',
          markdown: expect.stringContaining('**Approved**'),
        },
      ],
      forget: false,
    });
    const applied = { ...decided, status: 'applied' as const, appliedVersion: 3 };
    const done = planNotifications(
      input({ event: 'applied', status: 'applied', channel: 'api', proposal: applied }),
    );
    expect(done.forget).toBe(true);
    expect(done.effects[0]).toMatchObject({ markdown: expect.stringContaining('matrix version 3 is live') });
    expect(done.effects[0]).not.toHaveProperty('parentId');
  });

  test('a rejection settles the proposal; an approval waits for applied or failed', () => {
    const rejected = sampleProposal({ status: 'rejected', decision: { by: 'b', channel: 'ui', atMs: 1 } });
    expect(
      planNotifications(input({ event: 'decided', status: 'rejected', proposal: rejected })).forget,
    ).toBe(true);
    expect(planNotifications(input({ event: 'failed', status: 'failed', proposal: rejected })).forget).toBe(
      true,
    );
    expect(
      planNotifications(input({ event: 'expired', status: 'expired', proposal: rejected })).effects,
    ).toHaveLength(1);
  });

  test('decisions made in WebEx were answered there already: nothing more is posted', () => {
    const decided = sampleProposal({
      status: 'applied',
      decision: { by: 'ann@example.com', channel: 'webex', atMs: 1 },
    });
    for (const event of ['decided', 'applied', 'failed']) {
      const plan = planNotifications(
        input({
          event,
          status: event === 'decided' ? 'approved' : event,
          channel: 'webex',
          proposal: decided,
        }),
      );
      expect(plan.effects).toEqual([]);
      expect(plan.forget).toBe(event !== 'decided');
    }
  });
});

test('a backlog of old events posts no summaries, but cards of open proposals still go out', () => {
  const old = SUMMARY_MAX_AGE_MS + 1;
  const rejected = sampleProposal({ status: 'rejected', decision: { by: 'b', channel: 'ui', atMs: 1 } });
  expect(
    planNotifications(input({ event: 'decided', status: 'rejected', proposal: rejected, ageMs: old })),
  ).toEqual({
    effects: [],
    forget: true,
  });
  expect(planNotifications(input({ ageMs: old })).effects.map((e) => e.type)).toEqual([
    'post.card',
    'mark.notified',
  ]);
});

describe('card memory', () => {
  test('remember keeps the newest MAX_CARDS; forget drops one', () => {
    let state = { cards: {} };
    for (let i = 0; i <= MAX_CARDS; i++)
      state = remember(state, `p-${i}`, { messageId: `m${i}`, fingerprint: 'f', atMs: i });
    expect(Object.keys(state.cards)).toHaveLength(MAX_CARDS);
    expect(state.cards).not.toHaveProperty('p-0');
    expect(forget(state, 'p-5').cards).not.toHaveProperty('p-5');
    expect(forget(state, 'nope')).toBe(state);
  });
});

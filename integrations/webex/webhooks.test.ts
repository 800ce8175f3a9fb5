/** Webhook registration against the fake API: created once, then updated in place. */
import { afterEach, expect, test } from 'bun:test';
import { type FakeWebex, startFakeWebex } from '../../test/fakes/webex.ts';
import { WebexClient } from './client.ts';
import { ensureWebhooks } from './webhooks.ts';

let fake: FakeWebex;
afterEach(async () => {
  await fake?.stop();
});

test('creates both webhooks with the secret; a second run updates them, never duplicates', async () => {
  fake = await startFakeWebex();
  const api = new WebexClient({ baseUrl: fake.url, token: fake.token });
  const first = await ensureWebhooks(api, { targetUrl: 'https://a.example/webhooks/webex', secret: 'one' });
  expect(first.map((r) => [r.resource, r.outcome])).toEqual([
    ['attachmentActions', 'created'],
    ['messages', 'created'],
  ]);
  expect(fake.webhooks.map((w) => [w.resource, w.event, w.targetUrl, w.secret])).toEqual([
    ['attachmentActions', 'created', 'https://a.example/webhooks/webex', 'one'],
    ['messages', 'created', 'https://a.example/webhooks/webex', 'one'],
  ]);

  const second = await ensureWebhooks(api, { targetUrl: 'https://b.example/webhooks/webex', secret: 'two' });
  expect(second.map((r) => r.outcome)).toEqual(['updated', 'updated']);
  expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
  expect(fake.webhooks).toHaveLength(2);
  expect(
    fake.webhooks.every((w) => w.targetUrl === 'https://b.example/webhooks/webex' && w.secret === 'two'),
  ).toBe(true);
});

test('a webhook someone made by hand for our URL is adopted; other resources are left alone', async () => {
  fake = await startFakeWebex();
  const api = new WebexClient({ baseUrl: fake.url, token: fake.token });
  const url = 'https://a.example/webhooks/webex';
  const byHand = await api.createWebhook({
    name: 'mine',
    targetUrl: url,
    resource: 'messages',
    event: 'created',
    secret: 'x',
  });
  const other = {
    id: 'w-rooms',
    name: 'rooms',
    targetUrl: url,
    resource: 'rooms',
    event: 'created',
    secret: 'x',
    status: 'active',
  };
  fake.webhooks.push(other);
  const done = await ensureWebhooks(api, { targetUrl: url, secret: 'new' });
  expect(done.find((r) => r.resource === 'messages')).toEqual({
    resource: 'messages',
    id: byHand.id,
    outcome: 'updated',
  });
  expect(fake.webhooks).toHaveLength(3);
  expect(fake.webhooks.find((w) => w.id === other.id)?.secret).toBe('x');
  expect(fake.webhooks.find((w) => w.id === byHand.id)).toMatchObject({
    name: 'scopilot messages',
    secret: 'new',
  });
});

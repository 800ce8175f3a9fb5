/**
 * The WebEx approval bot end to end: signed deliveries over real HTTP to the
 * webhook router, the fake WebEx API for content and answers, and the real
 * matrix keeper deciding on each engine. Decisions made here must be the
 * same commands the REST API sends (channel `webex`, by the person's email).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { type KeeperService, serveMatrixKeeper } from '../actors/matrix-keeper/actor.ts';
import { MAIN } from '../cli/client/testing.ts';
import { registerWebhooks } from '../cli/webex.ts';
import { type WebexWebhook, webexWebhook } from '../edge/webex/mod.ts';
import { silentLogger } from '../engine/log.ts';
import { cardFingerprint, proposalCard, roomDirectory, WebexClient } from '../integrations/webex/mod.ts';
import { SAMPLE_NAMES, sampleProposal } from '../integrations/webex/testing.ts';
import {
  Bucket,
  bucketName,
  keys,
  matrixVersions,
  openStores,
  type ProposalRecord,
  type Stores,
} from '../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../streams/mod.ts';
import {
  deliver,
  deliveryBody,
  type FakePerson,
  type FakeWebex,
  sign,
  startFakeWebex,
} from './fakes/webex.ts';
import { readAll } from './support/actors.ts';
import { FLAVOURS, type TestEngine } from './support/engines.ts';
import { describeNats } from './support/nats.ts';

const SECRET = 'webhook-secret-0123456789';
const ROOM = 'room-ops';

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`WebEx bot on ${flavour.name}`, () => {
    let te: TestEngine;
    let fake: FakeWebex;
    let keeper: KeeperService;
    let hook: WebexWebhook;
    let server: ReturnType<typeof Bun.serve>;
    let stores: Stores;
    let target: string;
    let ann: FakePerson;
    let bob: FakePerson;
    let eve: FakePerson;
    let card: { id: string };
    const p = sampleProposal();

    afterEach(async () => {
      await hook?.drain();
      await server?.stop(true);
      await keeper?.stop();
      await fake?.stop();
      await te?.dispose();
    });

    async function setup(o: { fourEyes?: boolean; createdBy?: string } = {}) {
      te = await flavour.open();
      stores = await openStores(te.engine, te.ns);
      keeper = serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns), o.fourEyes ?? false);
      fake = await startFakeWebex();
      ann = fake.addPerson('ann@example.com');
      bob = fake.addPerson('Bob@Corp.Example.org');
      eve = fake.addPerson('eve@evil-example.com');
      const api = new WebexClient({ baseUrl: fake.url, token: fake.token });
      hook = webexWebhook({
        engine: te.engine,
        stores,
        ns: te.ns,
        subjects: subjectsFor(te.ns),
        api,
        secret: SECRET,
        rooms: roomDirectory([{ roomId: ROOM, tenant: 'acme' }]),
        allowedApprovers: ['ann@example.com', '@corp.example.org'],
        logger: silentLogger(),
      });
      const app = new Hono().route('/webhooks/webex', hook.routes);
      server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
      target = `http://127.0.0.1:${server.port}/webhooks/webex`;
      const made =
        o.createdBy === undefined
          ? p
          : { ...p, createdBy: o.createdBy, triggers: [{ trigger: 'manual' as const, ref: 'manual:req-1' }] };
      await stores.proposals.create(keys.proposal('acme', p.id), made);
      for (const [tag, name] of SAMPLE_NAMES) {
        await stores.sgt.put(keys.sgt('acme', tag), {
          name,
          updatedBy: 'test',
          updatedAt: new Date().toISOString(),
        });
      }
      card = await api.postMessage({ roomId: ROOM, ...proposalCard(p, SAMPLE_NAMES) });
      fake.posted.length = 0;
      fake.calls.length = 0;
    }

    const send = async (body: string) => {
      const res = await deliver(target, body, { secret: SECRET });
      await hook.drain();
      return res;
    };
    const press = (who: FakePerson, action: 'approve' | 'reject', over: Record<string, unknown> = {}) => {
      const inputs = {
        action,
        proposalId: p.id,
        tenant: 'acme',
        fingerprint: cardFingerprint(p),
        reason: '',
        ...over,
      };
      const a = fake.addAction({ person: who, roomId: ROOM, messageId: card.id, inputs });
      return deliveryBody('attachmentActions', a);
    };
    const say = (who: FakePerson, text: string) =>
      deliveryBody('messages', fake.addMessage({ person: who, roomId: ROOM, text }));
    const replies = () => fake.posted.map((m) => m.markdown ?? '');
    const stored = async (): Promise<ProposalRecord | undefined> =>
      (await stores.proposals.get(keys.proposal('acme', p.id)))?.value;
    const claims = async () =>
      (await te.engine.kv.bucket(bucketName(Bucket.State, te.ns))).keys('cursor.webex.>');

    test('a missing, wrong or tampered signature is a 401 and nothing is processed', async () => {
      await setup();
      const body = press(ann, 'approve');
      const tampered = body.replace('"roomId":"room-ops"', '"roomId":"room-ops" ');
      for (const res of [
        await deliver(target, body, { signature: null }),
        await deliver(target, body, { secret: 'not-the-secret' }),
        await deliver(target, tampered, { signature: sign(SECRET, body) }),
        await deliver(target, body, { signature: 'zz' }),
      ]) {
        expect(res.status).toBe(401);
      }
      await hook.drain();
      expect(fake.calls).toEqual([]);
      expect(await claims()).toEqual([]);
      expect((await stored())?.status).toBe('pending');
      expect((await send(body)).status).toBe(200);
      expect((await stored())?.status).toBe('applied');
    });

    test('an approval on the card makes a matrix version, answered in the card’s thread', async () => {
      await setup();
      await send(press(ann, 'approve', { reason: 'intranet access' }));
      expect(await matrixVersions(stores, 'acme')).toEqual([1]);
      expect((await stored())?.decision).toMatchObject({
        by: 'ann@example.com',
        channel: 'webex',
        reason: 'intranet access',
      });
      expect(fake.posted).toHaveLength(1);
      expect(fake.posted[0]?.parentId).toBe(card.id);
      expect(replies()[0]).toContain('matrix version 1 is live (approved by ann@example.com via WebEx');
    });

    test('a chat command rejects, with the reason, by the sender’s email', async () => {
      await setup();
      await send(say(bob, `Scopilot Bot reject ${p.id} not needed here`));
      expect(await stored()).toMatchObject({
        status: 'rejected',
        decision: { by: 'bob@corp.example.org', channel: 'webex', reason: 'not needed here' },
      });
      expect(await matrixVersions(stores, 'acme')).toEqual([]);
      expect(replies()).toHaveLength(1);
      expect(replies()[0]).toStartWith('🚫 **Rejected**');
    });

    test('two simultaneous clicks: one version, and one "already approved by" answer', async () => {
      await setup();
      const [a, b] = [press(ann, 'approve'), press(bob, 'approve')];
      const answers = await Promise.all([
        deliver(target, a, { secret: SECRET }),
        deliver(target, b, { secret: SECRET }),
      ]);
      await hook.drain();
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      expect(await matrixVersions(stores, 'acme')).toEqual([1]);
      const winner = (await stored())?.decision?.by;
      expect(replies()).toHaveLength(2);
      expect(replies().filter((r) => r.includes('matrix version 1 is live'))).toHaveLength(1);
      const late = replies().filter((r) => r.includes('is already approved by'));
      expect(late).toHaveLength(1);
      expect(late[0]).toContain(`already approved by ${winner} via WebEx at `);
    });

    test('someone not allowed is refused, told so, and audited', async () => {
      await setup();
      await send(press(eve, 'approve'));
      expect((await stored())?.status).toBe('pending');
      expect(replies()).toEqual(['Sorry, eve@evil-example.com is not allowed to use this bot.']);
      const audit = await readAll(te, StreamName.Audit, subjectsFor(te.ns).audit('acme'));
      const refused = audit.map((m) => m.json as { by: string; data: Record<string, unknown> });
      expect(refused.map((m) => [m.by, m.data.action, m.data.channel, m.data.object])).toEqual([
        ['eve@evil-example.com', 'webex.refused', 'webex', p.id],
      ]);
    });

    test('four eyes: whoever made a manual proposal (a REST key naming ann) cannot approve it in WebEx', async () => {
      await setup({ fourEyes: true, createdBy: 'ann@example.com' });
      await send(press(ann, 'approve'));
      expect((await stored())?.status).toBe('pending');
      expect(await matrixVersions(stores, 'acme')).toEqual([]);
      expect(replies().join('\n')).toContain('created proposal');
      await send(press(bob, 'approve'));
      expect((await stored())?.status).toBe('applied');
    });

    test('a replayed delivery is acknowledged and ignored', async () => {
      await setup();
      const body = say(ann, 'list pending');
      expect((await send(body)).status).toBe(200);
      expect((await send(body)).status).toBe(200);
      expect(replies()).toHaveLength(1);
      expect(replies()[0]).toContain(`\`${p.id}\` Employees (10) → Web Servers (20)`);
      expect(fake.calls.filter((c) => c.path.startsWith('/v1/messages/'))).toHaveLength(1);
    });

    test('a card older than the proposal’s ACEs decides nothing and is replaced', async () => {
      await setup();
      const grown = { ...p, aces: [...p.aces, { ...p.aces[0]!, action: 'permit' as const, dstPort: 22 }] };
      const found = await stores.proposals.get(keys.proposal('acme', p.id));
      await stores.proposals.update(keys.proposal('acme', p.id), grown, found!.revision);
      await send(press(ann, 'approve'));
      expect((await stored())?.status).toBe('pending');
      expect(replies()[0]).toContain('changed after this card was posted; nothing was decided');
      expect(fake.posted[1]?.attachments).toHaveLength(1);
      expect(replies()[1]).toContain('permit tcp dst eq 22');
    });

    test('rooms of no tenant and the bot’s own messages are ignored without a call', async () => {
      await setup();
      const elsewhere = fake.addMessage({ person: ann, roomId: 'room-other', text: 'approve x' });
      await send(deliveryBody('messages', elsewhere));
      await send(deliveryBody('messages', { id: 'own', roomId: ROOM, personId: fake.bot.id }));
      expect(fake.calls.map((c) => c.path)).toEqual(['/v1/people/me']);
      expect(replies()).toEqual([]);
    });
  });
}

test('registerWebhooks creates, then updates, both webhooks', async () => {
  const fake = await startFakeWebex();
  try {
    const o = {
      apiBaseUrl: fake.url,
      token: fake.token,
      secret: 's1',
      url: 'https://bot.example.com/webhooks/webex',
    };
    expect((await registerWebhooks(o)).map((r) => r.outcome)).toEqual(['created', 'created']);
    expect((await registerWebhooks({ ...o, secret: 's2' })).map((r) => r.outcome)).toEqual([
      'updated',
      'updated',
    ]);
    expect(fake.webhooks.map((w) => [w.resource, w.secret])).toEqual([
      ['attachmentActions', 's2'],
      ['messages', 's2'],
    ]);
    await expect(registerWebhooks({ ...o, url: 'not a url' })).rejects.toThrow('is not a URL');
  } finally {
    await fake.stop();
  }
});

test('scopilot webex register: the webhooks from the settings, and usage errors as exit 2', async () => {
  const fake = await startFakeWebex();
  const run = async (args: string[], env: Record<string, string>) => {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (!k.startsWith('SCOPILOT_') && v !== undefined) base[k] = v;
    const proc = Bun.spawn([process.execPath, MAIN, 'webex', ...args], {
      env: { ...base, ...env },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { stdout, stderr, code };
  };
  try {
    const settings = {
      SCOPILOT_WEBEX__BOT_ACCESS_TOKEN: fake.token,
      SCOPILOT_WEBEX__WEBHOOK_SECRET: 'cli-secret',
      SCOPILOT_WEBEX__API_BASE_URL: fake.url,
    };
    const ok = await run(['register', '--url', 'https://bot.example.com/webhooks/webex'], settings);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('created webhook for attachmentActions');
    expect(fake.webhooks.map((w) => w.secret)).toEqual(['cli-secret', 'cli-secret']);
    expect((await run(['register'], settings)).code).toBe(2);
    const unset = await run(['register', '--url', 'https://bot.example.com/webhooks/webex'], {});
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('SCOPILOT_WEBEX__BOT_ACCESS_TOKEN');
  } finally {
    await fake.stop();
  }
});

/**
 * Who the records name: a key that names its holder puts that person in the
 * proposal's trail and on the AUDIT stream, through the API and through a
 * dashboard session alike; a key without one is a stable label that reveals
 * nothing of the token.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { type KeeperService, serveMatrixKeeper } from '../../actors/mod.ts';
import { keys, type ProposalRecord } from '../../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../../streams/mod.ts';
import { readAll } from '../../test/support/actors.ts';
import { testDeps } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { json } from '../../test/support/rest-api.ts';
import { ORIGIN } from '../../test/support/ui.ts';
import { createApp } from '../app.ts';
import { Authenticator, SESSION_COOKIE } from '../auth.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;
const ANN = 'ann-operator-token-000001';
const BOB = 'bob-operator-token-000001';
const CAROL = 'carol-operator-token-0001';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

let te: TestEngine | undefined;
let keeper: KeeperService | undefined;
afterEach(async () => {
  await keeper?.stop();
  await te?.dispose();
  keeper = te = undefined;
});

async function start() {
  te = await embedded.open();
  const deps = await testDeps(te);
  const auth = new Authenticator({
    requireAuth: true,
    defaultTenant: 'acme',
    apiKeys: [
      { token: ANN, tenant: 'acme', role: 'operator', user: 'ann@example.com' },
      { sha256: sha(BOB), tenant: 'acme', role: 'operator', user: 'bob@example.com' },
      { token: CAROL, tenant: 'acme', role: 'operator' },
    ],
  });
  keeper = serveMatrixKeeper(te.engine, deps.stores, subjectsFor(te.ns));
  const app = createApp({
    logger: deps.logger,
    readiness: { checks: {} },
    api: { auth, ready: () => true, deps },
  });
  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    return Promise.resolve(app.request(`${ORIGIN}${path}`, { ...init, headers }));
  };
  const manual = async (token: string, port: number) => {
    const body = {
      sgt: 10,
      dgt: 20,
      aces: [{ action: 'permit', protocol: 'tcp', dstPort: port }],
      reason: 'web',
    };
    const res = await api('/api/v1/proposals', json(body, token));
    expect(res.status).toBe(201);
    return (await res.json()) as ProposalRecord;
  };
  const audit = async () =>
    (await readAll(te!, StreamName.Audit, subjectsFor(te!.ns).audit('acme'))).map(
      (m) => m.json as { by: string; data: { action: string; object: string; channel: string } },
    );
  return { app, api, deps, manual, audit };
}

describe('records name the key’s holder', () => {
  test('through the API and a dashboard session, in the trail and on the AUDIT stream', async () => {
    const { api, deps, manual, audit } = await start();
    const p = await manual(ANN, 443);
    expect(p.createdBy).toBe('ann@example.com');
    expect(p.history[0]?.by).toBe('ann@example.com');

    // Bob signs in to the dashboard (his key is given as a sha256) and rejects it there.
    const signIn = await api('/ui/login', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: BOB }).toString(),
      redirect: 'manual',
    });
    const cookie = /scopilot_session=([^;]*)/.exec(signIn.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const rejected = await api(`/ui/proposals/${p.id}/reject`, {
      method: 'POST',
      headers: {
        cookie: `${SESSION_COOKIE}=${cookie}`,
        origin: ORIGIN,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'reason=not+ours',
      redirect: 'manual',
    });
    expect(rejected.status).toBe(303);
    const stored = (await deps.stores.proposals.get(keys.proposal('acme', p.id)))?.value;
    expect(stored?.history.map((e) => [e.status, e.by, e.channel])).toEqual([
      ['pending', 'ann@example.com', 'api'],
      ['rejected', 'bob@example.com', 'ui'],
    ]);
    const records = (await audit()).filter((m) => m.data.object === p.id);
    expect(records.map((m) => [m.data.action, m.by])).toEqual([
      ['proposal.created', 'ann@example.com'],
      ['proposal.rejected', 'bob@example.com'],
    ]);
  });

  test('a key with no holder is a stable label, never the token', async () => {
    const { manual, audit } = await start();
    const first = await manual(CAROL, 443);
    const second = await manual(CAROL, 8443);
    expect(first.createdBy).toBe(`key:${sha(CAROL).slice(0, 8)}`);
    expect(second.createdBy).toBe(first.createdBy);
    const text = JSON.stringify(await audit());
    expect(text).toContain(first.createdBy);
    expect(text).not.toContain(CAROL);
  });
});

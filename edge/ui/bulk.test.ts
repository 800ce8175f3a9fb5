/** Review in bulk on the dashboard: select by filter, confirm, one version; viewers cannot. */
import { afterEach, expect, test } from 'bun:test';
import { SESSION_COOKIE } from '../../edge/auth.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { json, type RestHarness, startRest, TOKENS } from '../../test/support/rest-api.ts';
import { login, ORIGIN, pageText, uiFetch } from '../../test/support/ui.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;
let h: RestHarness;
afterEach(async () => {
  await h?.stop();
});

const manual = (dgt: number, protocol: string, dstPort: number) => ({
  sgt: 10,
  dgt,
  aces: [{ action: 'permit', protocol, dstPort }],
  reason: 'infrastructure',
});

test('every infrastructure proposal approved in one confirmed action: one version, each outcome listed', async () => {
  h = await startRest(embedded, { fourEyes: true });
  for (const b of [
    manual(20, 'udp', 53),
    manual(21, 'udp', 123),
    manual(22, 'udp', 1812),
    manual(23, 'tcp', 22),
  ])
    expect((await h.api.request('/api/v1/proposals', json(b, TOKENS.admin))).status).toBe(201);
  const cookie = await login(h.api, TOKENS.operator);
  const list = await pageText(h.api, '/ui/proposals?filter=service%3Ainfrastructure', cookie);
  expect(list).toContain('3 open of 4 proposals.');
  expect(list).toContain('Approve all 3 shown');
  const confirm = await pageText(
    h.api,
    '/ui/proposals/decide?action=approve&filter=service%3Ainfrastructure',
    cookie,
  );
  const ids = [...confirm.matchAll(/name="id" value="([^"]+)"/g)].map((m) => m[1]!);
  expect(ids).toHaveLength(3);
  const form = new URLSearchParams();
  for (const id of ids) {
    form.append('id', id);
    form.append(`aces-${id}`, /name="aces-[^"]+" value="([0-9a-f]{16})"/.exec(confirm)?.[1] ?? '');
  }
  // The fingerprint sent for the 2nd and 3rd is the 1st's: those are refused as changed, not decided.
  form.set('reason', 'DNS, NTP, RADIUS');
  const res = await h.api.app.request(
    `${ORIGIN}/ui/proposals/decide?action=approve&filter=service%3Ainfrastructure`,
    {
      method: 'POST',
      headers: {
        origin: ORIGIN,
        cookie: `${SESSION_COOKIE}=${encodeURIComponent(cookie)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
    },
  );
  expect(res.status).toBe(200);
  const done = await res.text();
  expect(done).toContain('1 approved, 2 refused. Matrix version 1 is now live.');
  expect(done.match(/STALE/g)).toHaveLength(2);

  // Again with the right fingerprints: the other two, in one more version.
  const again = await pageText(
    h.api,
    '/ui/proposals/decide?action=approve&filter=service%3Ainfrastructure',
    cookie,
  );
  const second = new URLSearchParams();
  for (const m of again.matchAll(/name="aces-([^"]+)" value="([0-9a-f]{16})"/g)) {
    second.append('id', m[1]!);
    second.append(`aces-${m[1]}`, m[2]!);
  }
  const ok = await h.api.app.request(`${ORIGIN}/ui/proposals/decide?action=approve`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      cookie: `${SESSION_COOKIE}=${encodeURIComponent(cookie)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: second.toString(),
  });
  expect(await ok.text()).toContain('2 approved, 0 refused. Matrix version 2 is now live.');

  const viewer = await login(h.api, TOKENS.viewer);
  expect(await pageText(h.api, '/ui/proposals', viewer)).not.toContain('Approve all');
  expect((await uiFetch(h.api, '/ui/proposals/decide?action=approve', { cookie: viewer })).status).toBe(403);
  const bad = await uiFetch(h.api, '/ui/proposals?filter=colour%3Ared', { cookie });
  expect(await bad.text()).toContain('unknown filter key');
});

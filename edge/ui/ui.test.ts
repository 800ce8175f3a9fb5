/**
 * The dashboard over HTTP, in-process: sessions, roles, CSRF, escaping, and
 * decisions and rollbacks through a running matrix keeper (both engines).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { SESSION_COOKIE } from '../../edge/auth.ts';
import { keys } from '../../kv-schema/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import {
  createManual,
  inventoryRecord,
  type RestHarness,
  seedFlows,
  startRest,
  TOKENS,
} from '../../test/support/rest-api.ts';
import { login, ORIGIN, pageText, uiFetch } from '../../test/support/ui.ts';
import { ASSET_URLS } from './assets.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;
const PAGES = ['/ui', '/ui/matrix', '/ui/proposals', '/ui/versions', '/ui/sgts', '/ui/upload', '/ui/flows'];

let h: RestHarness;
afterEach(async () => {
  await h?.stop();
});

describe('sessions', () => {
  test('login sets an HttpOnly SameSite=Strict cookie and redirects; a bad token does not', async () => {
    h = await startRest(embedded);
    const res = await uiFetch(h.api, '/ui/login', { form: { token: TOKENS.viewer, next: '/ui/matrix' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/matrix');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`${SESSION_COOKIE}=`);
    for (const part of ['HttpOnly', 'SameSite=Strict', 'Path=/']) expect(cookie).toContain(part);
    expect(cookie).not.toContain('Secure');

    const https = await h.api.app.request('https://api.test/ui/login', {
      method: 'POST',
      headers: { origin: 'https://api.test', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKENS.viewer }).toString(),
    });
    expect(https.headers.get('set-cookie')).toContain('Secure');

    const bad = await uiFetch(h.api, '/ui/login', { form: { token: 'not-a-token' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    // Only a dashboard path is a place to return to.
    const away = await uiFetch(h.api, '/ui/login', { form: { token: TOKENS.viewer, next: '//evil.test/x' } });
    expect(away.headers.get('location')).toBe('/ui');
  });

  test('every page sends a browser without a valid session to the login page', async () => {
    h = await startRest(embedded);
    for (const path of PAGES) {
      const res = await uiFetch(h.api, path);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toStartWith('/ui/login');
      const stale = await uiFetch(h.api, path, { cookie: 'revoked-token-0123456789' });
      expect(stale.status).toBe(302);
      expect(stale.headers.get('set-cookie')).toContain('Max-Age=0');
    }
    expect((await uiFetch(h.api, '/ui/login')).status).toBe(200);
  });

  test('with a session every page renders, with local assets only and a strict CSP', async () => {
    h = await startRest(embedded);
    const cookie = await login(h.api, TOKENS.viewer);
    for (const path of PAGES) {
      const res = await uiFetch(h.api, path, { cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      const text = await res.text();
      expect(text).toContain('href="#main"');
      expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
    const css = await uiFetch(h.api, ASSET_URLS.css);
    expect(css.status).toBe(200);
    expect(css.headers.get('cache-control')).toContain('immutable');
    const again = await h.api.app.request(`${ORIGIN}${ASSET_URLS.js}`, {
      headers: { 'if-none-match': (await uiFetch(h.api, ASSET_URLS.js)).headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });

  test('logout clears the cookie; the API takes the cookie too, but not cross-origin writes', async () => {
    h = await startRest(embedded);
    const cookie = await login(h.api, TOKENS.operator);
    const flows = await uiFetch(h.api, '/api/v1/flows', { cookie });
    expect(flows.status).toBe(200);
    const forged = await uiFetch(h.api, '/api/v1/proposals', {
      cookie,
      origin: 'https://evil.test',
      form: {},
    });
    expect(forged.status).toBe(403);
    const out = await uiFetch(h.api, '/ui/logout', { cookie, form: {} });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
  });
});

describe('roles, CSRF and escaping', () => {
  test('a viewer sees no decision buttons and is refused on POST; an operator sees them', async () => {
    h = await startRest(embedded);
    const p = await createManual(h.api);
    const viewer = await login(h.api, TOKENS.viewer);
    const list = await pageText(h.api, '/ui/proposals', viewer);
    expect(list).toContain(p.id);
    expect(list).not.toContain('Approve…');
    for (const path of [`/ui/proposals/${p.id}/approve`, `/ui/proposals/${p.id}/reject`]) {
      expect((await uiFetch(h.api, path, { cookie: viewer, form: { reason: 'x' } })).status).toBe(403);
      expect((await uiFetch(h.api, path, { cookie: viewer })).status).toBe(403);
    }
    expect((await uiFetch(h.api, '/ui/sgts/10', { cookie: viewer, form: { name: 'x' } })).status).toBe(403);
    expect(
      (await uiFetch(h.api, '/ui/versions/1/rollback', { cookie: viewer, form: { reason: 'x' } })).status,
    ).toBe(403);
    const operator = await login(h.api, TOKENS.operator);
    const shown = await pageText(h.api, '/ui/proposals', operator);
    expect(shown).toContain(`href="/ui/proposals/${p.id}/approve"`);
    expect(shown).toContain(`href="/ui/proposals/${p.id}/reject"`);
    expect(await pageText(h.api, '/ui/sgts', operator)).not.toContain('action="/ui/sgts/');
    expect((await uiFetch(h.api, '/ui/sgts/10', { cookie: operator, form: { name: 'x' } })).status).toBe(403);
    expect((await h.api.stores.proposals.get(keys.proposal('acme', p.id)))?.value.status).toBe('pending');
  });

  test('a POST from another origin, or with no origin at all, is refused and changes nothing', async () => {
    h = await startRest(embedded);
    const p = await createManual(h.api);
    const admin = await login(h.api, TOKENS.admin);
    const forged = { cookie: admin, form: { name: 'Pwned' } };
    expect((await uiFetch(h.api, '/ui/sgts/10', { ...forged, origin: 'https://evil.test' })).status).toBe(
      403,
    );
    expect((await uiFetch(h.api, '/ui/sgts/10', { ...forged, origin: null })).status).toBe(403);
    expect(
      (
        await uiFetch(h.api, `/ui/proposals/${p.id}/approve`, {
          cookie: admin,
          form: {},
          origin: 'http://evil.test',
        })
      ).status,
    ).toBe(403);
    expect(await h.api.stores.sgt.get(keys.sgt('acme', 10))).toBeNull();
    expect((await h.api.stores.proposals.get(keys.proposal('acme', p.id)))?.value.status).toBe('pending');
    // A same-origin Referer stands in for a missing Origin.
    const res = await h.api.app.request(`${ORIGIN}/ui/sgts/10`, {
      method: 'POST',
      headers: {
        cookie: `${SESSION_COOKIE}=${admin}`,
        referer: `${ORIGIN}/ui/sgts`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'name=Web',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
  });

  test("the dictionary page shows each tag's class, inferred with its confidence or set; an admin sets, keeps and clears it", async () => {
    h = await startRest(embedded);
    const admin = await login(h.api, TOKENS.admin);
    expect(
      (await uiFetch(h.api, '/ui/sgts/10', { cookie: admin, form: { name: 'L2_HMI_Line3' } })).status,
    ).toBe(303);
    expect(await pageText(h.api, '/ui/sgts', admin)).toMatch(
      /ot\.hmi <span class="muted">\(inferred, 0\.\d\d\)/,
    );
    expect(
      (await uiFetch(h.api, '/ui/sgts/10', { cookie: admin, form: { name: 'Cell 7', class: 'ot.plc' } }))
        .status,
    ).toBe(303);
    expect((await uiFetch(h.api, '/ui/sgts/10', { cookie: admin, form: { name: 'Cell 7b' } })).status).toBe(
      303,
    );
    const page = await pageText(h.api, '/ui/sgts', admin);
    expect(page).toContain('ot.plc <span class="muted">(set)');
    expect(page).toContain('<option value="ot.plc" selected>');
    expect(
      (await uiFetch(h.api, '/ui/sgts/10', { cookie: admin, form: { name: 'Cell 7b', class: '' } })).status,
    ).toBe(303);
    expect(await pageText(h.api, '/ui/sgts', admin)).not.toContain('(set)');
    expect(
      (await uiFetch(h.api, '/ui/sgts/10', { cookie: admin, form: { name: 'x', class: 'spaceship' } }))
        .status,
    ).toBe(400);
  });

  test('names from logs and users are escaped on every page that shows them', async () => {
    h = await startRest(embedded);
    const evil = '<script>alert(1)</script>';
    const admin = await login(h.api, TOKENS.admin);
    expect((await uiFetch(h.api, '/ui/sgts/10', { cookie: admin, form: { name: evil } })).status).toBe(303);
    await seedFlows(h, 'acme', [inventoryRecord('10-20-tcp-any-443', { srcSamples: ['"><img src=x>'] })]);
    await createManual(h.api);
    for (const path of [
      '/ui/sgts',
      '/ui/matrix',
      '/ui/matrix/cell/10/20',
      '/ui/proposals',
      '/ui/flows',
      '/ui',
    ]) {
      const text = await pageText(h.api, path, admin);
      expect(text).not.toContain(evil);
      expect(text).not.toContain('<img src=x>');
      if (path !== '/ui') expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  test('another tenant sees none of it', async () => {
    h = await startRest(embedded);
    const p = await createManual(h.api);
    const other = await login(h.api, TOKENS.other);
    expect((await uiFetch(h.api, `/ui/proposals/${p.id}`, { cookie: other })).status).toBe(404);
    expect(await pageText(h.api, '/ui/proposals?status=all', other)).not.toContain(p.id);
  });
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`decisions through the keeper on ${flavour.name}`, () => {
    test('approve, reject with a reason, see the versions, roll back (admin), name an SGT', async () => {
      h = await startRest(flavour);
      await seedFlows(h, 'acme', [
        inventoryRecord('10-20-tcp-any-443', { hits: 90 }),
        inventoryRecord('10-30-udp-any-53', { hits: 10 }),
      ]);
      const operator = await login(h.api, TOKENS.operator);
      const overview = await pageText(h.api, '/ui', operator);
      expect(overview).toContain('No.');
      expect(overview).toContain('CRITICAL: DNS');

      const first = await createManual(h.api);
      const confirm = await pageText(h.api, `/ui/proposals/${first.id}/approve`, operator);
      expect(confirm).toContain('Confirm approval');
      // The confirmation page carries the ACEs it showed; a form naming others decides nothing.
      const page = await (
        await uiFetch(h.api, `/ui/proposals/${first.id}/approve`, { cookie: operator })
      ).text();
      const seen = /name="aces" value="([0-9a-f]{16})"/.exec(page)?.[1];
      expect(seen).toBeDefined();
      const stale = await uiFetch(h.api, `/ui/proposals/${first.id}/approve`, {
        cookie: operator,
        form: { aces: '0123456789abcdef' },
      });
      expect(stale.status).toBe(409);
      expect(await stale.text()).toContain('changed since it was shown');
      const approved = await uiFetch(h.api, `/ui/proposals/${first.id}/approve`, {
        cookie: operator,
        form: { aces: seen! },
      });
      expect(approved.status).toBe(303);
      expect(approved.headers.get('location')).toBe(`/ui/proposals/${first.id}?done=approve&version=1`);
      expect(await pageText(h.api, approved.headers.get('location')!, operator)).toContain(
        'matrix version 1 is now live',
      );
      const again = await uiFetch(h.api, `/ui/proposals/${first.id}/approve`, { cookie: operator, form: {} });
      expect(again.status).toBe(409);

      const second = await createManual(h.api, { sgt: 10, dgt: 30, port: 8080 });
      const noReason = await uiFetch(h.api, `/ui/proposals/${second.id}/reject`, {
        cookie: operator,
        form: { reason: '  ' },
      });
      expect(noReason.status).toBe(400);
      const rejected = await uiFetch(h.api, `/ui/proposals/${second.id}/reject`, {
        cookie: operator,
        form: { reason: 'not a service we run' },
      });
      expect(rejected.status).toBe(303);
      expect((await h.api.stores.proposals.get(keys.proposal('acme', second.id)))?.value.status).toBe(
        'rejected',
      );

      const third = await createManual(h.api, { sgt: 10, dgt: 30, port: 53 });
      await uiFetch(h.api, `/ui/proposals/${third.id}/approve`, { cookie: operator, form: {} });
      const versions = await pageText(h.api, '/ui/versions', operator);
      expect(versions).toContain('<strong id="live-version">v2</strong>');
      expect(versions).not.toContain('Roll back');
      expect(await pageText(h.api, '/ui/versions/2', operator)).toContain(
        '<ins>+ permit tcp dst eq 53</ins>',
      );
      expect(
        (await uiFetch(h.api, '/ui/versions/1/rollback', { cookie: operator, form: { reason: 'x' } })).status,
      ).toBe(403);

      const admin = await login(h.api, TOKENS.admin);
      expect(await pageText(h.api, '/ui/versions/1', admin)).toContain('Roll back to v1');
      expect(
        (await uiFetch(h.api, '/ui/versions/1/rollback', { cookie: admin, form: { reason: '' } })).status,
      ).toBe(400);
      const rolled = await uiFetch(h.api, '/ui/versions/1/rollback', {
        cookie: admin,
        form: { reason: 'DNS change broke printing' },
      });
      expect(rolled.status).toBe(303);
      const after = await pageText(h.api, '/ui/versions', admin);
      expect(after).toContain('<strong id="live-version">v1</strong>');
      expect(after).toContain('rollback: DNS change broke printing');
      expect(await pageText(h.api, '/ui', admin)).toContain('version 1');

      expect((await uiFetch(h.api, '/ui/sgts/30', { cookie: admin, form: { name: 'Servers' } })).status).toBe(
        303,
      );
      const sgts = await pageText(h.api, '/ui/sgts', admin);
      expect(sgts).toContain('value="Servers"');
      expect(sgts).toContain('SGT <strong>20</strong>');
    }, 30_000);
  });
}

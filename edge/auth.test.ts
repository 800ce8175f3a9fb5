import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Authenticator, type AuthVariables, requireRole, sameOrigin } from './auth.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

function app(auth: Authenticator) {
  const a = new Hono<{ Variables: AuthVariables }>();
  a.use('*', auth.middleware());
  a.get('/me', (c) => c.json(c.get('principal')));
  a.post('/decide', requireRole('operator'), (c) => c.json({ ok: true }));
  a.post('/rollback', requireRole('admin'), (c) => c.json({ ok: true }));
  return a;
}

const call = (a: Hono<{ Variables: AuthVariables }>, path: string, token?: string, method = 'GET') =>
  a.request(path, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('API keys', () => {
  const auth = new Authenticator({
    requireAuth: true,
    defaultTenant: 'default',
    apiKeys: [
      { token: 'plain-operator-token-01', tenant: 'acme', role: 'operator' },
      { sha256: sha('hashed-viewer-token-001'), tenant: 'globex', role: 'viewer' },
    ],
  });
  const a = app(auth);

  test('a token, or the token of a stored sha256, names its tenant and role', async () => {
    expect(await (await call(a, '/me', 'plain-operator-token-01')).json()).toMatchObject({
      tenant: 'acme',
      role: 'operator',
    });
    expect(await (await call(a, '/me', 'hashed-viewer-token-001')).json()).toMatchObject({
      tenant: 'globex',
      role: 'viewer',
    });
  });

  test('no token, a wrong one, or another scheme: 401 problem with a Bearer challenge', async () => {
    for (const res of [
      await call(a, '/me'),
      await call(a, '/me', 'nope'),
      await a.request('/me', { headers: { authorization: 'Basic abc' } }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  test('roles: viewer < operator < admin', async () => {
    expect((await call(a, '/decide', 'hashed-viewer-token-001', 'POST')).status).toBe(403);
    expect((await call(a, '/decide', 'plain-operator-token-01', 'POST')).status).toBe(200);
    expect((await call(a, '/rollback', 'plain-operator-token-01', 'POST')).status).toBe(403);
  });

  test('the principal names the key by a hash prefix, never the token', async () => {
    const me = (await (await call(a, '/me', 'plain-operator-token-01')).json()) as { subject: string };
    expect(me.subject).toBe(`key:${sha('plain-operator-token-01').slice(0, 8)}`);
  });

  test('a key that names its holder makes that email the principal, on both key forms', async () => {
    const named = app(
      new Authenticator({
        requireAuth: true,
        defaultTenant: 'default',
        apiKeys: [
          { token: 'ann-operator-token-0001', tenant: 'acme', role: 'operator', user: 'ann@example.com' },
          { sha256: sha('bob-viewer-token-00001'), tenant: 'acme', role: 'viewer', user: 'bob@example.com' },
        ],
      }),
    );
    expect(await (await call(named, '/me', 'ann-operator-token-0001')).json()).toEqual({
      tenant: 'acme',
      role: 'operator',
      subject: 'ann@example.com',
    });
    const bob = (await (await call(named, '/me', 'bob-viewer-token-00001')).json()) as { subject: string };
    expect(bob.subject).toBe('bob@example.com');
  });

  test('with auth off every request is the default tenant’s admin', async () => {
    const open = app(new Authenticator({ requireAuth: false, defaultTenant: 'default', apiKeys: [] }));
    expect(await (await call(open, '/me')).json()).toEqual({
      tenant: 'default',
      role: 'admin',
      subject: 'anonymous',
    });
  });
});

describe('OIDC JWTs', () => {
  let jwks: ReturnType<typeof Bun.serve>;
  let privateKey: CryptoKey;
  let auth: Authenticator;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json({ keys: [jwk] }) });
    auth = new Authenticator({
      requireAuth: true,
      defaultTenant: 'default',
      apiKeys: [],
      oidc: {
        jwksUrl: `http://127.0.0.1:${jwks.port}/jwks`,
        issuer: 'https://idp.test',
        audience: 'scopilot',
      },
    });
  });
  afterAll(() => jwks.stop());

  const sign = (
    claims: Record<string, unknown>,
    over: { issuer?: string; audience?: string; exp?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('ann@corp.example')
      .setIssuer(over.issuer ?? 'https://idp.test')
      .setAudience(over.audience ?? 'scopilot')
      .setIssuedAt()
      .setExpirationTime(over.exp ?? '5m')
      .sign(privateKey);

  test('tenant and role come from the claims', async () => {
    const token = await sign({ scopilot_tenant: 'acme', scopilot_role: 'admin' });
    expect(await (await call(app(auth), '/me', token)).json()).toEqual({
      tenant: 'acme',
      role: 'admin',
      subject: 'ann@corp.example',
    });
  });

  test('wrong issuer, wrong audience, expired, unknown role or bad tenant: 401', async () => {
    const bad = [
      await sign({ scopilot_tenant: 'acme', scopilot_role: 'admin' }, { issuer: 'https://evil.test' }),
      await sign({ scopilot_tenant: 'acme', scopilot_role: 'admin' }, { audience: 'other' }),
      await sign({ scopilot_tenant: 'acme', scopilot_role: 'admin' }, { exp: '-1m' }),
      await sign({ scopilot_tenant: 'acme', scopilot_role: 'root' }),
      await sign({ scopilot_tenant: 'Not A Tenant', scopilot_role: 'viewer' }),
    ];
    for (const token of bad) expect((await call(app(auth), '/me', token)).status).toBe(401);
  });
});

describe('CSRF origin check', () => {
  const post = (origin: string) =>
    new Request('http://scopilot-edge:8000/ui/sgts/10', { method: 'POST', headers: { origin } });

  test('same host only by default; a proxy’s public origin when trusted; never another site', () => {
    expect(sameOrigin(post('http://scopilot-edge:8000'))).toBe(true);
    expect(sameOrigin(post('https://scopilot.example.com'))).toBe(false);
    const behindProxy = new Authenticator({
      requireAuth: true,
      defaultTenant: 'default',
      apiKeys: [],
      trustedOrigins: ['https://scopilot.example.com'],
    });
    expect(behindProxy.sameOrigin(post('https://scopilot.example.com'))).toBe(true);
    expect(behindProxy.sameOrigin(post('http://scopilot.example.com'))).toBe(false);
    expect(behindProxy.sameOrigin(post('https://scopilot.example.com.evil.test'))).toBe(false);
  });
});

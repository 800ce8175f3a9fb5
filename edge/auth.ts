/**
 * Who is asking, for which tenant, with which role (DESIGN §8). Bearer API
 * keys (given as a token or as its sha256) are compared in constant time; a
 * token that looks like a JWT is verified against the OIDC JWKS instead. Every
 * request is scoped to exactly one tenant from then on. Failed tokens are
 * counted per client address (FailureThrottle): past the limit, 429.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { ApiKey } from '../config/schema.ts';
import { TENANT_ID } from '../streams/tenant.ts';
import { problem } from './problem.ts';
import { clientAddress, FailureThrottle, type ThrottleOptions } from './throttle.ts';

export const Role = { Viewer: 'viewer', Operator: 'operator', Admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface Principal {
  tenant: string;
  role: Role;
  /** Who, for audit records: the key's user, `key:<first 8 hex of its hash>`, or the JWT subject. */
  subject: string;
}

/** What a valid token proves: the principal, and what a session opened with it depends on. */
export interface Credential {
  principal: Principal;
  /** The API key it matched, as the first 16 hex of the key's sha256 (absent for a JWT). */
  key?: string;
  /** When the credential itself expires (a JWT's `exp`), if it does. */
  expiresAtMs?: number;
}

/** Finds the principal behind a dashboard session id (edge/sessions.ts), or null. */
export interface SessionLookup {
  principalOf(sessionId: string): Promise<Principal | null>;
}

export interface AuthOptions {
  requireAuth: boolean;
  apiKeys: readonly ApiKey[];
  defaultTenant: string;
  oidc?: { jwksUrl: string; issuer?: string; audience?: string };
  /**
   * Origins the dashboard is also reached under (a reverse proxy that rewrites
   * Host), e.g. `https://scopilot.example.com`: accepted by the CSRF check.
   */
  trustedOrigins?: readonly string[];
  /** Failed tokens allowed per client address (default: 10 a minute). */
  throttle?: ThrottleOptions;
}

export type AuthVariables = { principal: Principal };

/** The dashboard's session cookie (HttpOnly, SameSite=Strict): it holds a random session id, never a token. */
export const SESSION_COOKIE = 'scopilot_session';

/** The value of one cookie of a request, or null. */
export function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF check for requests a cookie authenticates: a state-changing method
 * must come from this host, as its Origin (or, without one, its Referer) says,
 * or from one of the trusted origins (the dashboard behind a proxy).
 */
export function sameOrigin(req: Request, trusted: readonly string[] = []): boolean {
  if (SAFE_METHODS.has(req.method)) return true;
  const from = req.headers.get('origin') ?? req.headers.get('referer');
  if (from === null || from === 'null') return false;
  try {
    const origin = new URL(from);
    return origin.host === new URL(req.url).host || trusted.includes(origin.origin);
  } catch {
    return false;
  }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

interface StoredKey {
  hash: Buffer;
  /** The first 16 hex of the hash: how a session names the key it was opened with. */
  ref: string;
  tenant: string;
  role: Role;
  user?: string;
}

const isRole = (x: unknown): x is Role => x === 'viewer' || x === 'operator' || x === 'admin';

function fromClaims(payload: JWTPayload): Credential | null {
  const tenant = payload.scopilot_tenant ?? payload.tenant;
  const role = payload.scopilot_role ?? payload.role;
  if (typeof tenant !== 'string' || !TENANT_ID.test(tenant) || !isRole(role)) return null;
  const principal = {
    tenant,
    role,
    subject: typeof payload.sub === 'string' ? payload.sub.slice(0, 200) : 'jwt',
  };
  return typeof payload.exp === 'number' ? { principal, expiresAtMs: payload.exp * 1000 } : { principal };
}

/** A key's principal: its holder when the key names one, otherwise a stable label that reveals nothing. */
const keyPrincipal = (key: StoredKey): Principal => ({
  tenant: key.tenant,
  role: key.role,
  subject: key.user ?? `key:${key.ref.slice(0, 8)}`,
});

export class Authenticator {
  readonly #keys: StoredKey[];
  readonly #o: AuthOptions;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet> | null;
  /** Failed tokens per client address, shared by the API and the dashboard's login. */
  readonly failures: FailureThrottle;

  constructor(options: AuthOptions) {
    this.#o = options;
    this.#keys = options.apiKeys.map((k) => {
      const hash = 'token' in k ? sha256(k.token) : Buffer.from(k.sha256, 'hex');
      return {
        hash,
        ref: hash.toString('hex').slice(0, 16),
        tenant: k.tenant,
        role: k.role,
        ...(k.user === undefined ? {} : { user: k.user }),
      };
    });
    this.#jwks = options.oidc ? createRemoteJWKSet(new URL(options.oidc.jwksUrl)) : null;
    this.failures = new FailureThrottle(options.throttle);
  }

  /** A principal for the token, or null when it is not valid. */
  async verify(token: string): Promise<Principal | null> {
    return (await this.authenticate(token))?.principal ?? null;
  }

  /** The principal of the configured key a session names (see Credential.key), or null once it is gone. */
  keyPrincipal(ref: string): Principal | null {
    const key = this.#keys.find((k) => k.ref === ref);
    return key === undefined ? null : keyPrincipal(key);
  }

  /** What the token proves, or null when it is not valid. */
  async authenticate(token: string): Promise<Credential | null> {
    if (token.split('.').length === 3 && this.#jwks !== null) {
      try {
        const { payload } = await jwtVerify(token, this.#jwks, {
          ...(this.#o.oidc?.issuer ? { issuer: this.#o.oidc.issuer } : {}),
          ...(this.#o.oidc?.audience ? { audience: this.#o.oidc.audience } : {}),
        });
        return fromClaims(payload);
      } catch {
        return null;
      }
    }
    const presented = sha256(token);
    let match: StoredKey | null = null;
    // Every key is compared, match or not, so timing says nothing about which one (or whether) matched.
    for (const key of this.#keys) if (timingSafeEqual(presented, key.hash) && match === null) match = key;
    if (match === null) return null;
    return { principal: keyPrincipal(match), key: match.ref };
  }

  /** The CSRF check with this deployment's trusted origins. */
  sameOrigin(req: Request): boolean {
    return sameOrigin(req, this.#o.trustedOrigins);
  }

  /** Whether requests need a token; without, everyone is an admin of the default tenant. */
  get requireAuth(): boolean {
    return this.#o.requireAuth;
  }

  /** The principal every request gets when authentication is off. */
  get anonymous(): Principal {
    return { tenant: this.#o.defaultTenant, role: Role.Admin, subject: 'anonymous' };
  }

  /**
   * Hono middleware: sets `principal` from a bearer token or, given `sessions`,
   * the dashboard's session cookie; or answers 401. Past the failure limit of
   * its address a bearer is not even checked: 429 with Retry-After.
   */
  middleware(sessions?: SessionLookup): MiddlewareHandler<{ Variables: AuthVariables }> {
    return async (c, next) => {
      if (!this.#o.requireAuth) {
        c.set('principal', this.anonymous);
        return next();
      }
      const header = c.req.header('authorization') ?? '';
      const [scheme, token] = header.split(' ', 2);
      const cookie = header === '' && sessions ? cookieOf(c.req.raw, SESSION_COOKIE) : null;
      if (cookie !== null && !this.sameOrigin(c.req.raw)) {
        return problem({ title: 'Forbidden', status: 403, detail: 'cross-origin request refused (CSRF)' });
      }
      const bearer = scheme?.toLowerCase() === 'bearer' && token ? token.trim() : null;
      const address = bearer === null ? null : clientAddress(c);
      const wait = address === null ? 0 : this.failures.retryAfter(address);
      if (wait > 0) return tooManyFailures(wait);
      let principal: Principal | null = null;
      if (bearer !== null) {
        principal = await this.verify(bearer);
        if (principal === null && address !== null) this.failures.fail(address);
      } else if (cookie !== null && sessions) {
        principal = await sessions.principalOf(cookie);
      }
      if (principal === null) {
        const res = problem({
          title: 'Unauthorized',
          status: 401,
          detail: 'a valid bearer token is required',
        });
        res.headers.set('www-authenticate', 'Bearer');
        return res;
      }
      c.set('principal', principal);
      return next();
    };
  }
}

/** 429: too many failed tokens from this address; try again in `seconds`. */
export function tooManyFailures(seconds: number): Response {
  const res = problem({
    title: 'Too many requests',
    status: 429,
    detail: `too many failed sign-ins from this address; try again in ${seconds} s`,
  });
  res.headers.set('retry-after', String(seconds));
  return res;
}

/** Whether the principal's role is at least `role`. */
export const hasRole = (principal: Principal, role: Role): boolean => RANK[principal.role] >= RANK[role];

/** Hono middleware: 403 unless the principal's role is at least `role`. */
export function requireRole(role: Role): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (RANK[principal.role] < RANK[role]) {
      return problem({
        title: 'Forbidden',
        status: 403,
        detail: `this needs the ${role} role; you have ${principal.role}`,
      });
    }
    return next();
  };
}

/** A fresh admin token for a first start with nothing configured; printed once by `serve`. */
export function bootstrapKey(tenant: string): { token: string; key: ApiKey } {
  const token = `scp_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url')}`;
  return { token, key: { token, tenant, role: Role.Admin } };
}

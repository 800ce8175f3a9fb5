/**
 * Who is asking, for which tenant, with which role (DESIGN §8). Bearer API
 * keys (given as a token or as its sha256) are compared in constant time; a
 * token that looks like a JWT is verified against the OIDC JWKS instead. Every
 * request is scoped to exactly one tenant from then on.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { ApiKey } from '../config/schema.ts';
import { TENANT_ID } from '../streams/tenant.ts';
import { problem } from './problem.ts';

export const Role = { Viewer: 'viewer', Operator: 'operator', Admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface Principal {
  tenant: string;
  role: Role;
  /** Who, for audit records: the key's user, `key:<first 8 hex of its hash>`, or the JWT subject. */
  subject: string;
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
}

export type AuthVariables = { principal: Principal };

/** The dashboard's session cookie (HttpOnly, SameSite=Strict): it holds the same token a bearer carries. */
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
  tenant: string;
  role: Role;
  user?: string;
}

const isRole = (x: unknown): x is Role => x === 'viewer' || x === 'operator' || x === 'admin';

function fromClaims(payload: JWTPayload): Principal | null {
  const tenant = payload.scopilot_tenant ?? payload.tenant;
  const role = payload.scopilot_role ?? payload.role;
  if (typeof tenant !== 'string' || !TENANT_ID.test(tenant) || !isRole(role)) return null;
  return { tenant, role, subject: typeof payload.sub === 'string' ? payload.sub.slice(0, 200) : 'jwt' };
}

export class Authenticator {
  readonly #keys: StoredKey[];
  readonly #o: AuthOptions;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet> | null;

  constructor(options: AuthOptions) {
    this.#o = options;
    this.#keys = options.apiKeys.map((k) => ({
      hash: 'token' in k ? sha256(k.token) : Buffer.from(k.sha256, 'hex'),
      tenant: k.tenant,
      role: k.role,
      ...(k.user === undefined ? {} : { user: k.user }),
    }));
    this.#jwks = options.oidc ? createRemoteJWKSet(new URL(options.oidc.jwksUrl)) : null;
  }

  /** A principal for the token, or null when it is not valid. */
  async verify(token: string): Promise<Principal | null> {
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
    // A key names its holder when configured; otherwise it is known by a prefix of its hash.
    const subject = match.user ?? `key:${presented.toString('hex').slice(0, 8)}`;
    return { tenant: match.tenant, role: match.role, subject };
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

  /** Hono middleware: sets `principal` from a bearer token or the session cookie, or answers 401. */
  middleware(): MiddlewareHandler<{ Variables: AuthVariables }> {
    return async (c, next) => {
      if (!this.#o.requireAuth) {
        c.set('principal', this.anonymous);
        return next();
      }
      const header = c.req.header('authorization') ?? '';
      const [scheme, token] = header.split(' ', 2);
      const cookie = header === '' ? cookieOf(c.req.raw, SESSION_COOKIE) : null;
      if (cookie !== null && !this.sameOrigin(c.req.raw)) {
        return problem({ title: 'Forbidden', status: 403, detail: 'cross-origin request refused (CSRF)' });
      }
      const bearer = scheme?.toLowerCase() === 'bearer' && token ? token.trim() : cookie;
      const principal = bearer ? await this.verify(bearer) : null;
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

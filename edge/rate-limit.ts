/**
 * Requests per minute per caller (`SCOPILOT_API__REQUESTS_PER_MINUTE`), one
 * budget shared by every edge replica: a token bucket per caller, kept with
 * compare-and-set like the other shared limits (kv-schema/shared-limit.ts).
 *
 * A KV round trip per request would double the API's latency, so a process
 * leases a small block of tokens (a sixtieth of the minute's budget, 1 to
 * 50) from the shared record and spends it locally. Near the limit a
 * smaller lease of one token is tried before refusing, and a refusal is
 * remembered until the bucket refills, so a caller over the limit costs no
 * KV traffic at all. What a lease costs in precision: tokens leased by one
 * replica may be spent there up to a minute later, so N replicas together
 * may exceed a caller's budget by at most N blocks.
 *
 * The caller is who the credential proves, never what it claims: the API key
 * (by its hash), the OIDC subject, the dashboard session, or with
 * authentication off the client's address. A request whose credential does
 * not verify is not counted here; the sign-in throttle (throttle.ts) deals
 * with those. Verified callers are remembered for a few seconds, so a JWT is
 * not verified twice per request. Records live in `scopilot_sessions`, whose
 * max age sweeps those of callers gone quiet (a missing record is a full
 * budget). When the store does not answer, the request goes through: the
 * limit protects the API, it must not take it down.
 */
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { type QuotaMetrics, QuotaName } from '../config/quotas.ts';
import type { Logger } from '../engine/log.ts';
import { type SharedRateLimiter, tenantLimitName } from '../kv-schema/shared-limit.ts';
import { type Authenticator, cookieOf, SESSION_COOKIE, type SessionLookup } from './auth.ts';
import { isInner } from './inner-requests.ts';
import { problem } from './problem.ts';
import { addressKey, clientAddress } from './throttle.ts';

const MINUTE_MS = 60_000;
/** Leased tokens not spent within this are given up (the bucket has refilled them by then). */
const LEASE_TTL_MS = MINUTE_MS;
/** How long a verified credential is trusted to name the same caller. */
const CALLER_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
/** Never counted: probes and scrapes. */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/** A lease block for a budget: a sixtieth of it (one second's worth), 1 to 50 tokens. */
export const blockOf = (perMinute: number): number => Math.min(50, Math.max(1, Math.floor(perMinute / 60)));

interface Local {
  tokens: number;
  leasedAtMs: number;
  refusedUntilMs: number;
  pending: Promise<void> | null;
}

/** One process's share of the callers' shared budgets. */
export class CallerRateLimiter {
  readonly perMinute: number;
  readonly block: number;
  readonly #shared: () => Promise<SharedRateLimiter>;
  readonly #now: () => number;
  readonly #locals = new Map<string, Local>();

  constructor(o: { perMinute: number; shared: () => Promise<SharedRateLimiter>; now?: () => number }) {
    this.perMinute = o.perMinute;
    this.block = blockOf(o.perMinute);
    this.#shared = o.shared;
    this.#now = o.now ?? Date.now;
  }

  /** 0 when `caller` may make a request now, otherwise the milliseconds until it may. */
  async take(caller: string): Promise<number> {
    const local = this.#local(caller);
    for (;;) {
      const now = this.#now();
      if (now < local.refusedUntilMs) return local.refusedUntilMs - now;
      if (local.tokens >= 1 && now - local.leasedAtMs < LEASE_TTL_MS) {
        local.tokens -= 1;
        return 0;
      }
      // One lease at a time per caller: concurrent requests wait for it, then spend from it.
      local.pending ??= this.#lease(caller, local).finally(() => {
        local.pending = null;
      });
      await local.pending;
    }
  }

  async #lease(caller: string, local: Local): Promise<void> {
    const name = tenantLimitName('api', createHash('sha256').update(caller).digest('hex').slice(0, 32));
    const limits = [{ count: this.perMinute, perMs: MINUTE_MS }];
    const now = this.#now();
    const shared = await this.#shared();
    let taken = this.block;
    let result = await shared.tryAcquire(name, limits, now, taken);
    if (!result.ok && taken > 1) {
      taken = 1;
      result = await shared.tryAcquire(name, limits, now, taken);
    }
    if (result.ok) {
      local.tokens = taken;
      local.leasedAtMs = now;
    } else {
      local.tokens = 0;
      local.refusedUntilMs = now + Math.max(1, result.retryInMs);
    }
  }

  #local(caller: string): Local {
    let local = this.#locals.get(caller);
    if (local === undefined) {
      if (this.#locals.size >= MAX_ENTRIES) this.#evict();
      local = { tokens: 0, leasedAtMs: 0, refusedUntilMs: 0, pending: null };
      this.#locals.set(caller, local);
    }
    return local;
  }

  #evict(): void {
    const now = this.#now();
    for (const [caller, l] of this.#locals) {
      if (l.pending === null && now >= l.refusedUntilMs && now - l.leasedAtMs >= LEASE_TTL_MS) {
        this.#locals.delete(caller);
      }
    }
    for (const caller of this.#locals.keys()) {
      if (this.#locals.size < MAX_ENTRIES) break;
      this.#locals.delete(caller);
    }
  }
}

interface Caller {
  id: string;
  tenant: string;
}

const digest = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Who a request comes from, as its credential proves: null when it proves nothing. */
export class CallerIdentity {
  readonly #auth: Authenticator;
  readonly #sessions: SessionLookup;
  readonly #now: () => number;
  readonly #known = new Map<string, { caller: Caller; atMs: number }>();

  constructor(auth: Authenticator, sessions: SessionLookup, now: () => number = Date.now) {
    this.#auth = auth;
    this.#sessions = sessions;
    this.#now = now;
  }

  async of(c: Context): Promise<Caller | null> {
    if (!this.#auth.requireAuth) {
      const address = clientAddress(c);
      const id = address === null ? 'anonymous' : `address:${addressKey(address)}`;
      return { id, tenant: this.#auth.anonymous.tenant };
    }
    const [scheme, token] = (c.req.header('authorization') ?? '').split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && token) {
      return this.#remembered(`bearer:${digest(token.trim())}`, async () => {
        const credential = await this.#auth.authenticate(token.trim());
        if (credential === null) return null;
        const { principal } = credential;
        const id = credential.key === undefined ? `oidc:${principal.subject}` : `key:${credential.key}`;
        return { id, tenant: principal.tenant };
      });
    }
    const session = cookieOf(c.req.raw, SESSION_COOKIE);
    if (session === null) return null;
    const id = `session:${digest(session)}`;
    return this.#remembered(id, async () => {
      const principal = await this.#sessions.principalOf(session);
      return principal === null ? null : { id, tenant: principal.tenant };
    });
  }

  async #remembered(key: string, verify: () => Promise<Caller | null>): Promise<Caller | null> {
    const now = this.#now();
    const known = this.#known.get(key);
    if (known !== undefined && now - known.atMs < CALLER_TTL_MS) return known.caller;
    const caller = await verify();
    if (caller === null) return null;
    if (this.#known.size >= MAX_ENTRIES) this.#known.clear();
    this.#known.set(key, { caller, atMs: now });
    return caller;
  }
}

export interface RateLimitOptions {
  limiter: CallerRateLimiter;
  identity: CallerIdentity;
  logger: Logger;
  metrics?: QuotaMetrics;
}

/** Hono middleware: 429 problem+json with Retry-After once a caller is over its requests per minute. */
export function rateLimit(o: RateLimitOptions): MiddlewareHandler {
  return async (c, next) => {
    // Probes, and the REST calls an MCP tool makes for a request already counted.
    if (EXEMPT.has(c.req.path) || isInner(c.req.raw)) return next();
    let wait = 0;
    let tenant = '';
    try {
      const caller = await o.identity.of(c);
      if (caller !== null) {
        tenant = caller.tenant;
        wait = await o.limiter.take(caller.id);
      }
    } catch (error) {
      o.logger.warn({ err: error }, 'request limit not checked: the store did not answer');
    }
    if (wait <= 0) return next();
    o.metrics?.throttled(tenant, QuotaName.ApiRequests, 1);
    const seconds = Math.max(1, Math.ceil(wait / 1_000));
    const res = problem({
      title: 'Too many requests',
      status: 429,
      detail: `more than ${o.limiter.perMinute} requests a minute from this caller; try again in ${seconds} s`,
      limit: o.limiter.perMinute,
    });
    res.headers.set('retry-after', String(seconds));
    return res;
  };
}

/**
 * Dashboard sign-in. `/ui/login` takes an API token (or an OIDC JWT), checks
 * it with the API's Authenticator (same tenant, same role) and opens a
 * server-side session (edge/sessions.ts): the HttpOnly, SameSite=Strict cookie
 * holds only the session's random id, and signing out deletes the session, so
 * the cookie is worthless from then on. Every other page sends anyone without
 * a live session to the login page. Failed sign-ins count per client address
 * (429 past the limit, shared with the API's bearer tokens). Every POST must
 * come from this host (Origin, or Referer without it): with the SameSite=Strict
 * cookie that is the CSRF defence. Roles are enforced here whatever the page shows.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { html } from 'hono/html';
import {
  type Authenticator,
  type AuthVariables,
  cookieOf,
  hasRole,
  type Role,
  SESSION_COOKIE,
} from '../auth.ts';
import type { Sessions } from '../sessions.ts';
import { clientAddress } from '../throttle.ts';
import { errorPage, notice, page } from './layout.ts';

export type UiEnv = { Variables: AuthVariables };

const MAX_TOKEN_LENGTH = 8192;

const isHttps = (c: Context): boolean =>
  new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';

function sessionCookie(c: Context, value: string, maxAge: number): string {
  const secure = isHttps(c) ? '; Secure' : '';
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

/** Only a path of this dashboard is a place to return to after login. */
const safeNext = (next: string | undefined): string =>
  next !== undefined && /^\/ui(?:[/?#]|$)/.test(next) && !next.startsWith('//') ? next : '/ui';

function redirect(location: string, cookie?: string): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store' });
  if (cookie !== undefined) headers.set('set-cookie', cookie);
  return new Response(null, { status: 303, headers });
}

function loginPage(c: Context, next: string, error: string | null, status: 200 | 401 | 429 = 200) {
  const body = html`${error === null ? '' : notice('error', error)}
<form method="post" action="/ui/login" class="panel">
<input type="hidden" name="next" value="${next}">
<div class="field"><label for="token">API token or bearer JWT</label>
<input type="password" id="token" name="token" autocomplete="current-password" required size="50" autofocus></div>
<p class="muted">The same token the CLI and the API take; it decides your tenant and role.</p>
<button type="submit">Sign in</button>
</form>`;
  return page(c, { title: 'Sign in', status }, body);
}

/** `/login` and `/logout`: reachable without a session. */
export function sessionRoutes(auth: Authenticator, sessions: Sessions): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/login', (c) => {
    if (!auth.requireAuth) return redirect('/ui');
    return loginPage(c, safeNext(c.req.query('next')), null);
  });
  app.post('/login', async (c) => {
    if (!auth.sameOrigin(c.req.raw))
      return errorPage(c, 403, 'Forbidden', 'cross-origin request refused (CSRF)');
    // Past the limit the token is not even looked at.
    const address = clientAddress(c);
    const wait = address === null ? 0 : auth.failures.retryAfter(address);
    if (wait > 0) {
      const message = `Too many failed sign-ins from this address; try again in ${wait} s.`;
      const res = await loginPage(c, '/ui', message, 429);
      res.headers.set('retry-after', String(wait));
      return res;
    }
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const credential =
      token.length > 0 && token.length <= MAX_TOKEN_LENGTH ? await auth.authenticate(token) : null;
    if (credential === null) {
      if (address !== null) auth.failures.fail(address);
      return loginPage(c, next, 'That token is not valid.', 401);
    }
    const session = await sessions.open(credential);
    return redirect(next, sessionCookie(c, session.id, session.maxAgeSeconds));
  });
  const logout = async (c: Context) => {
    if (c.req.method === 'POST' && !auth.sameOrigin(c.req.raw))
      return errorPage(c, 403, 'Forbidden', 'cross-origin request refused (CSRF)');
    const id = cookieOf(c.req.raw, SESSION_COOKIE);
    if (id !== null) await sessions.end(id);
    return redirect('/ui/login', sessionCookie(c, '', 0));
  };
  app.get('/logout', logout);
  app.post('/logout', logout);
  return app;
}

/**
 * Sets `principal` from the session cookie, or sends the browser to the
 * login page (clearing a cookie that no longer verifies). POSTs from another
 * origin are refused before anything else.
 */
export function requireSession(auth: Authenticator, sessions: Sessions): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    if (!auth.sameOrigin(c.req.raw))
      return errorPage(c, 403, 'Forbidden', 'cross-origin request refused (CSRF)');
    if (!auth.requireAuth) {
      c.set('principal', auth.anonymous);
      return next();
    }
    const id = cookieOf(c.req.raw, SESSION_COOKIE);
    const principal = id === null ? null : await sessions.principalOf(id);
    if (principal === null) {
      const url = new URL(c.req.url);
      const back = c.req.method === 'GET' ? `?next=${encodeURIComponent(url.pathname + url.search)}` : '';
      const res = redirect(`/ui/login${back}`, id === null ? undefined : sessionCookie(c, '', 0));
      return new Response(null, { status: 302, headers: res.headers });
    }
    c.set('principal', principal);
    return next();
  };
}

/** 403 unless the signed-in role is at least `role`. */
export function requireUiRole(role: Role): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!hasRole(principal, role))
      return errorPage(
        c,
        403,
        'Forbidden',
        `This needs the ${role} role; you have ${principal.role}.`,
        principal,
      );
    return next();
  };
}

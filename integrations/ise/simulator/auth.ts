/**
 * Who may call the simulated ERS API and with which token. Basic auth
 * against the configured users: `admin` is ISE's ERS Admin (reads and
 * writes), `operator` its ERS Operator (reads only). With enhanced security
 * (CSRF) on, a GET carrying `X-CSRF-TOKEN: fetch` is answered with a token
 * and a session cookie; a write must carry both, from the same user, before
 * the token expires.
 */

export const Role = { Admin: 'admin', Operator: 'operator' } as const;
export type Role = (typeof Role)[keyof typeof Role];

export interface SimulatorUser {
  username: string;
  password: string;
  /** Default admin. */
  role?: Role;
}

/** The user a request's Basic credentials name, or null when they are missing or wrong. */
export function authenticate(header: string | null, users: readonly SimulatorUser[]): SimulatorUser | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return null;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(m[1]!), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return users.find((u) => u.username === username && u.password === password) ?? null;
}

export const SESSION_COOKIE = 'APPSESSIONID';

interface Grant {
  username: string;
  session: string;
  expiresAtMs: number;
}

export class CsrfTokens {
  readonly #grants = new Map<string, Grant>();
  readonly #ttlMs: number;

  constructor(ttlMs = 30 * 60_000) {
    this.#ttlMs = ttlMs;
  }

  /** A new token for `username` in the request's session (a new session when it has none). */
  issue(username: string, cookieHeader: string | null): { token: string; session: string } {
    const session = sessionOf(cookieHeader) ?? crypto.randomUUID().replaceAll('-', '');
    const token = crypto.randomUUID();
    this.#grants.set(token, { username, session, expiresAtMs: Date.now() + this.#ttlMs });
    return { token, session };
  }

  valid(token: string | null, username: string, cookieHeader: string | null): boolean {
    const grant = token === null ? undefined : this.#grants.get(token);
    if (!grant || grant.expiresAtMs < Date.now()) return false;
    return grant.username === username && grant.session === sessionOf(cookieHeader);
  }

  expireAll(): void {
    this.#grants.clear();
  }
}

function sessionOf(cookieHeader: string | null): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name === SESSION_COOKIE && value) return value;
  }
  return null;
}

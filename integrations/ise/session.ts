/**
 * What the client keeps between ERS calls: ISE's session cookies and, with
 * "enhanced security" on, its CSRF token. A GET carrying `X-CSRF-TOKEN:
 * fetch` is answered with the token in the same header; every POST, PUT and
 * DELETE must then carry it, or ISE answers 403. ISE ties the token to its
 * session, so the cookies it sets are sent back too (Bun's fetch keeps none).
 * When ISE does not use CSRF the fetch simply brings no token and writes go
 * without one.
 */
import type { Answer } from './types.ts';

const MAX_COOKIES = 16;
const MAX_COOKIE_CHARS = 4096;

export class ErsSession {
  readonly #enabled: boolean;
  readonly #fetchToken: () => Promise<void>;
  readonly #cookies = new Map<string, string>();
  #token: string | null = null;
  /** False once a fetch brought no token: this ISE does not use CSRF. */
  #supported: boolean | null = null;
  #pending: Promise<void> | null = null;

  /** `fetchToken` sends a GET with `tokenFetch` set and throws on a non-2xx answer. */
  constructor(enabled: boolean, fetchToken: () => Promise<void>) {
    this.#enabled = enabled;
    this.#fetchToken = fetchToken;
  }

  /** Headers for a call: the cookies, and the token request or the token itself. */
  headers(method: string, tokenFetch: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.#cookies.size > 0) {
      h.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    if (!this.#enabled) return h;
    if (method === 'GET') {
      if (tokenFetch) h['x-csrf-token'] = 'fetch';
    } else if (this.#token !== null) {
      h['x-csrf-token'] = this.#token;
    }
    return h;
  }

  /** Keeps the cookies and the token an answer carries. */
  observe(a: Answer): void {
    for (const line of a.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0 || pair.length > MAX_COOKIE_CHARS) continue;
      const name = pair.slice(0, eq).trim();
      if (this.#cookies.size >= MAX_COOKIES && !this.#cookies.has(name)) continue;
      this.#cookies.set(name, pair.slice(eq + 1).trim());
    }
    const token = a.headers.get('x-csrf-token');
    if (this.#enabled && a.status < 300 && token && !/^(fetch|required|invalid)$/i.test(token)) {
      this.#token = token;
      this.#supported = true;
    }
  }

  /** Before a write: makes sure a token is held, unless CSRF is off here or on ISE. */
  async ready(): Promise<void> {
    if (!this.#enabled || this.#token !== null || this.#supported === false) return;
    await this.renew();
  }

  /** The token writes carry now. */
  get token(): string | null {
    return this.#token;
  }

  /**
   * Fetches a new token; concurrent writes share one fetch. Given the token
   * a refused write carried, does nothing when another write has already
   * replaced it, so a burst of refusals costs one fetch, not one each.
   */
  renew(refused?: string | null): Promise<void> {
    if (this.#pending) return this.#pending;
    if (refused !== undefined && this.#token !== null && this.#token !== refused) return Promise.resolve();
    this.#pending = (async () => {
      this.#token = null;
      try {
        await this.#fetchToken();
        if (this.#token === null) this.#supported = false;
      } finally {
        this.#pending = null;
      }
    })();
    return this.#pending;
  }

  /**
   * Whether a 403 is ISE refusing the token (missing or expired) rather than
   * the account's rights: it names CSRF, asks for a token, or is not an ERS
   * error body at all. Then fetching a new token and sending again is safe:
   * ISE did not carry the write out.
   */
  refusedToken(a: Answer): boolean {
    if (!this.#enabled || a.status !== 403) return false;
    if (/csrf/i.test(a.text) || /required|invalid/i.test(a.headers.get('x-csrf-token') ?? '')) return true;
    return !a.text.includes('ERSResponse');
  }
}

/**
 * One ERS call over HTTPS, with everything that must hold for every call:
 * Basic auth and JSON headers, verified TLS against the configured CA, a
 * timeout per attempt, a slot of the client's semaphore per attempt, the
 * CSRF token on writes (session.ts), and retries with backoff and jitter for
 * reads only. A write is sent at most once — ISE has no idempotency key, so
 * a repeated POST could create twice — except after a CSRF refusal, which
 * means ISE did not carry it out.
 */
import * as v from 'valibot';
import { type BackoffPolicy, backoffDelay, sleep } from '../../engine/backoff.ts';
import { readTextCapped } from '../response-text.ts';
import { codeForStatus, HINTS, IseError, IseErrorCode, isCertificateErrorCode } from './errors.ts';
import { Semaphore } from './limit.ts';
import { describeIssues, ErsResponse } from './schemas.ts';
import { ErsSession } from './session.ts';
import type { Answer, IseCallCounts } from './types.ts';

/** The largest answer read: a page of 100 resources is ~30 kB, one SGACL at most 64 kB of ACEs. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface TransportOptions {
  /** Origin of the ERS API, e.g. `https://ise.example.com:9060`. */
  origin: string;
  username: string;
  password: string;
  /** Fetch `tls` options: `{ ca }`, or `{ rejectUnauthorized: false }` when insecure. */
  tls: { ca?: string; rejectUnauthorized?: boolean };
  csrf: boolean;
  timeoutMs: number;
  maxConcurrent: number;
  readAttempts: number;
  backoff: BackoffPolicy;
}

export type { Answer } from './types.ts';

export class ErsTransport {
  readonly #o: TransportOptions;
  readonly #auth: string;
  readonly #slots: Semaphore;
  readonly #session: ErsSession;
  readonly #counts: IseCallCounts = { GET: 0, POST: 0, PUT: 0, DELETE: 0, reads: 0, writes: 0 };

  constructor(o: TransportOptions) {
    this.#o = o;
    this.#auth = `Basic ${base64(`${o.username}:${o.password}`)}`;
    this.#slots = new Semaphore(o.maxConcurrent);
    this.#session = new ErsSession(o.csrf, () => this.#fetchToken());
  }

  counts(): IseCallCounts {
    return { ...this.#counts };
  }

  /** A GET, retried on network errors, 429 and 5xx; answers 2xx or throws. */
  async read(path: string): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.#o.readAttempts;
      let answer: Answer;
      try {
        answer = await this.#send('GET', path);
      } catch (e) {
        if (!(e instanceof IseError) || !e.retryable || last) throw e;
        await sleep(this.#delay(attempt));
        continue;
      }
      if (answer.status < 300) return answer;
      if (!(answer.status === 429 || answer.status >= 500) || last) throw httpError('GET', path, answer);
      await sleep(this.#delay(attempt, answer));
    }
  }

  /** A POST, PUT or DELETE, sent once (twice only when ISE refused the CSRF token); answers 2xx or throws. */
  async write(method: Exclude<Method, 'GET'>, path: string, body?: unknown): Promise<Answer> {
    await this.#session.ready();
    const used = this.#session.token;
    let answer = await this.#send(method, path, body);
    if (answer.status === 403 && this.#session.refusedToken(answer)) {
      await this.#session.renew(used);
      answer = await this.#send(method, path, body);
      if (answer.status === 403 && this.#session.refusedToken(answer))
        throw httpError(method, path, answer, true);
    }
    if (answer.status >= 300) throw httpError(method, path, answer);
    return answer;
  }

  /** Parses a 2xx JSON answer with `schema`. */
  parse<S extends v.GenericSchema>(
    method: Method,
    path: string,
    answer: Answer,
    schema: S,
  ): v.InferOutput<S> {
    let raw: unknown;
    try {
      raw = JSON.parse(answer.text);
    } catch (e) {
      const what = answer.text.trim() === '' ? 'an empty body' : 'a body that is not JSON';
      throw invalid(method, path, `answered ${what} where JSON was expected`, e);
    }
    const parsed = v.safeParse(schema, raw);
    if (!parsed.success)
      throw invalid(method, path, `answered an unexpected shape: ${describeIssues(parsed.issues)}`);
    return parsed.output;
  }

  /** Any GET carries the token request; the smallest one is a one-entry page of SGTs. */
  async #fetchToken(): Promise<void> {
    const path = 'sgt?size=1&page=1';
    const answer = await this.#send('GET', path, undefined, true);
    if (answer.status >= 300) throw httpError('GET', path, answer);
  }

  #delay(attempt: number, answer?: Answer): number {
    const asked = Number(answer?.headers.get('retry-after'));
    if (Number.isFinite(asked) && asked > 0) return Math.min(asked * 1000, this.#o.backoff.maxMs);
    return backoffDelay(attempt, this.#o.backoff);
  }

  async #send(method: Method, path: string, body?: unknown, tokenFetch = false): Promise<Answer> {
    const url = new URL(`/ers/config/${path}`, this.#o.origin);
    const headers: Record<string, string> = {
      authorization: this.#auth,
      accept: 'application/json',
      'content-type': 'application/json',
      ...this.#session.headers(method, tokenFetch),
    };
    this.#counts[method]++;
    if (method === 'GET') this.#counts.reads++;
    else this.#counts.writes++;
    return this.#slots.run(async () => {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.#o.timeoutMs),
          // Never follow a redirect: it would carry the Basic credentials wherever it points.
          redirect: 'manual',
          tls: this.#o.tls,
        });
      } catch (e) {
        throw networkError(method, url, e, this.#o.timeoutMs);
      }
      const text = await readTextCapped(res, MAX_BODY_BYTES);
      if (text === null) throw invalid(method, path, `answered more than ${MAX_BODY_BYTES} bytes`);
      const answer = { status: res.status, headers: res.headers, text };
      this.#session.observe(answer);
      return answer;
    });
  }
}

/** A failed fetch as an IseError: certificate problems are never retried, other network errors are for reads. */
function networkError(method: Method, url: URL, e: unknown, timeoutMs: number): IseError {
  const err = e as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const what = `${method} ${url.pathname}`;
  const at = url.origin;
  const base = { method, path: url.pathname + url.search, cause: e };
  if (isCertificateErrorCode(code)) {
    const msg = `ISE at ${at} presented a TLS certificate that is not trusted (${code}: ${String(err.message)}); ${HINTS.UNTRUSTED_CERTIFICATE}`;
    return new IseError(IseErrorCode.UntrustedCertificate, msg, base);
  }
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    const unknown =
      method === 'GET' ? '' : '; the write may or may not have been carried out: re-read before retrying';
    return new IseError(
      IseErrorCode.Unreachable,
      `ISE at ${at} did not answer ${what} within ${timeoutMs} ms${unknown}`,
      {
        ...base,
        retryable: true,
        outcomeUnknown: method !== 'GET',
      },
    );
  }
  const refused = code === 'ECONNREFUSED' || code === 'ConnectionRefused';
  const reason = refused
    ? 'connection refused (is ERS enabled and the port right?)'
    : code === 'EPROTO'
      ? 'the TLS handshake failed (does ISE speak HTTPS on this port?)'
      : `${code || 'network error'}: ${String(err.message).slice(0, 200)}`;
  // A reset after sending leaves a write's fate unknown; a refused connection or failed handshake sent nothing.
  const unsent = refused || code === 'EPROTO' || code === 'FailedToOpenSocket' || code === 'ENOTFOUND';
  return new IseError(IseErrorCode.Unreachable, `ISE at ${at} is unreachable for ${what}: ${reason}`, {
    ...base,
    retryable: true,
    outcomeUnknown: method !== 'GET' && !unsent,
  });
}

/** A non-2xx answer as an IseError carrying ISE's titles. */
export function httpError(method: Method, path: string, a: Answer, csrfRefused = false): IseError {
  const ers = v.safeParse(ErsResponse, safeJson(a.text));
  const titles = ers.success
    ? ers.output.ERSResponse.messages.map((m) => m.title ?? m.code ?? '').filter((t) => t !== '')
    : [];
  const operation = ers.success ? ers.output.ERSResponse.operation : undefined;
  let code = codeFor(a.status, titles);
  if (csrfRefused || (a.status === 403 && titles.some((t) => /csrf/i.test(t)))) code = IseErrorCode.Csrf;
  const said = titles.length > 0 ? `: ${titles.map((t) => JSON.stringify(t)).join('; ')}` : '';
  const hint = HINTS[code] ? ` — ${HINTS[code]}` : '';
  const message = `ISE answered ${method} /ers/config/${path} with HTTP ${a.status}${said}${hint}`;
  return new IseError(code, message, {
    status: a.status,
    method,
    path: `/ers/config/${path}`,
    titles,
    ...(operation === undefined ? {} : { operation }),
    retryable: a.status === 429 || a.status >= 500,
  });
}

function codeFor(status: number, titles: readonly string[]): IseErrorCode {
  // ISE says "Cell Already Exists" with a 400; names that are taken come as 400 or 409.
  if ((status === 400 || status === 409) && titles.some((t) => /already exist|duplicate|not unique/i.test(t)))
    return IseErrorCode.AlreadyExists;
  return codeForStatus(status);
}

function invalid(method: Method, path: string, what: string, cause?: unknown): IseError {
  return new IseError(IseErrorCode.InvalidResponse, `ISE ${what} for ${method} /ers/config/${path}`, {
    method,
    path: `/ers/config/${path}`,
    cause,
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function base64(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

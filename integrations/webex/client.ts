/**
 * A small WebEx REST client (reference/webex.md): fetch with the bot's bearer
 * token, a timeout per attempt, and bounded retries. 429 and 503 are retried
 * after the server's `Retry-After` for any method (the request was not
 * carried out); other 5xx, timeouts and connection errors only for reads,
 * because a repeated `POST /messages` could post twice. Every answer is
 * validated; every failure is a WebexError whose `retryable` says whether a
 * later attempt (an engine redelivery) may succeed.
 */
import * as v from 'valibot';
import { backoffDelay, sleep } from '../../engine/backoff.ts';
import { summarize } from '../../streams/messages.ts';
import { errorDetail, nextLink, retryAfterMs, WebexError, WebexErrorCode } from './http.ts';
import {
  AttachmentAction,
  Message,
  type OutgoingMessage,
  Person,
  type WebexApi,
  Webhook,
  WebhookList,
  type WebhookSpec,
} from './schemas.ts';

export interface WebexClientOptions {
  /** `https://webexapis.com/v1` (settings: `webex.apiBaseUrl`). */
  baseUrl: string;
  token: string;
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts per call, the first included (default 4). */
  maxAttempts?: number;
  /** Longest wait between attempts; a longer Retry-After ends the call (default 60 s). */
  maxDelayMs?: number;
  /** Backoff when the server gives no Retry-After. */
  baseDelayMs?: number;
}

const PAGE_LIMIT = 20;

export class WebexClient implements WebexApi {
  readonly #base: URL;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #maxDelayMs: number;
  readonly #baseDelayMs: number;
  #me: Promise<Person> | null = null;

  constructor(o: WebexClientOptions) {
    this.#base = new URL(o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`);
    this.#token = o.token;
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#maxAttempts = Math.max(1, o.maxAttempts ?? 4);
    this.#maxDelayMs = o.maxDelayMs ?? 60_000;
    this.#baseDelayMs = o.baseDelayMs ?? 500;
  }

  postMessage(message: OutgoingMessage) {
    return this.#call('POST', this.#url('messages'), Message, message);
  }
  getMessage(id: string) {
    return this.#call('GET', this.#url(`messages/${encodeURIComponent(id)}`), Message);
  }
  getAttachmentAction(id: string) {
    return this.#call('GET', this.#url(`attachment/actions/${encodeURIComponent(id)}`), AttachmentAction);
  }
  getPerson(id: string) {
    return this.#call('GET', this.#url(`people/${encodeURIComponent(id)}`), Person);
  }

  /** Asked once per client: the bot's identity does not change while it runs. */
  me(): Promise<Person> {
    this.#me ??= this.#call('GET', this.#url('people/me'), Person);
    this.#me.catch(() => {
      this.#me = null;
    });
    return this.#me;
  }

  async listWebhooks() {
    const out: Webhook[] = [];
    let url: URL | null = this.#url('webhooks?max=100');
    for (let page = 0; url !== null && page < PAGE_LIMIT; page++) {
      const { body, headers } = await this.#send('GET', url, WebhookList);
      out.push(...body.items);
      const next = nextLink(headers.get('link'));
      // The token only ever goes to the configured API host, whatever a Link header says.
      url = next !== null && new URL(next, url).origin === this.#base.origin ? new URL(next, url) : null;
    }
    return out;
  }
  createWebhook(spec: WebhookSpec) {
    return this.#call('POST', this.#url('webhooks'), Webhook, spec);
  }
  updateWebhook(id: string, spec: Omit<WebhookSpec, 'resource' | 'event'>) {
    const body = { ...spec, status: 'active' };
    return this.#call('PUT', this.#url(`webhooks/${encodeURIComponent(id)}`), Webhook, body);
  }

  #url(path: string): URL {
    return new URL(path, this.#base);
  }

  async #call<S extends v.GenericSchema>(method: string, url: URL, schema: S, body?: unknown) {
    return (await this.#send(method, url, schema, body)).body;
  }

  async #send<S extends v.GenericSchema>(
    method: string,
    url: URL,
    schema: S,
    body?: unknown,
  ): Promise<{ body: v.InferOutput<S>; headers: Headers }> {
    const what = `${method} ${url.pathname}`;
    const idempotent = method === 'GET' || method === 'PUT';
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.#maxAttempts;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${this.#token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (error) {
        const timeout = (error as Error).name === 'TimeoutError';
        if (idempotent && !last) {
          await sleep(this.#backoff(attempt));
          continue;
        }
        throw new WebexError(
          timeout ? WebexErrorCode.Timeout : WebexErrorCode.Exhausted,
          timeout
            ? `${what}: no answer within ${this.#timeoutMs} ms`
            : `${what}: ${(error as Error).message}`,
          { retryable: true, cause: error },
        );
      }
      if (res.ok) return { body: await this.#parse(res, schema, what), headers: res.headers };

      const detail = await errorDetail(res);
      const status = res.status;
      const notDone = status === 429 || status === 503;
      const retryable = notDone || status >= 500 || status === 408;
      if (!retryable) {
        throw new WebexError(WebexErrorCode.Rejected, `${what}: HTTP ${status}${detail}`, {
          status,
          retryable: false,
        });
      }
      if (last || (!notDone && !idempotent)) {
        const after = `${what}: HTTP ${status} after ${attempt} attempt(s)`;
        throw new WebexError(WebexErrorCode.Exhausted, after, { status, retryable: true });
      }
      const asked = retryAfterMs(res.headers.get('retry-after'), Date.now());
      if (asked !== null && asked > this.#maxDelayMs) {
        throw new WebexError(
          WebexErrorCode.RetryAfterTooLong,
          `${what}: HTTP ${status}; asked to retry after ${asked} ms`,
          { status, retryable: true },
        );
      }
      await sleep(asked ?? this.#backoff(attempt));
    }
  }

  #backoff(attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.#baseDelayMs, maxMs: this.#maxDelayMs });
  }

  async #parse<S extends v.GenericSchema>(res: Response, schema: S, what: string): Promise<v.InferOutput<S>> {
    let raw: unknown;
    try {
      raw = await res.json();
    } catch (error) {
      throw new WebexError(WebexErrorCode.BadAnswer, `${what}: the answer is not JSON`, {
        retryable: false,
        cause: error,
      });
    }
    const parsed = v.safeParse(schema, raw);
    if (!parsed.success) {
      const unexpected = `${what}: unexpected answer: ${summarize(parsed.issues)}`;
      throw new WebexError(WebexErrorCode.BadAnswer, unexpected, { retryable: false });
    }
    return parsed.output;
  }
}

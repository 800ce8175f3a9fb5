/**
 * One GET for every provider client, with the failure modes mapped once:
 * 404 → not_found, 429 → rate_limited (with Retry-After), 5xx → unavailable,
 * other statuses → rejected, an aborted call → timeout, a refused connection
 * → network_error, and a body that is not JSON, too large or not the
 * documented shape → bad_body. Bodies are read with a size cap: a provider
 * (or whatever answers in its place) cannot make us buffer without limit.
 */
import * as v from 'valibot';
import { NoAnswerReason } from '../../domain/threat/types.ts';
import { readTextCapped } from '../response-text.ts';
import { retryAfterMs } from './rate-limit.ts';
import { noAnswer, type ProviderAnswer } from './types.ts';

/** VirusTotal's IP objects carry every engine's result: tens of kB; a few MB is plenty. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type Fetched<T> = { ok: true; body: T } | { ok: false; answer: ProviderAnswer };

const fail = (answer: ProviderAnswer): { ok: false; answer: ProviderAnswer } => ({ ok: false, answer });

function statusAnswer(res: Response, nowMs: number): ProviderAnswer {
  const what = `HTTP ${res.status}`;
  if (res.status === 404) return noAnswer(NoAnswerReason.NotFound, what);
  if (res.status === 429) {
    return {
      ...noAnswer(NoAnswerReason.RateLimited, what),
      retryAfterMs: retryAfterMs(res.headers.get('retry-after'), nowMs),
    };
  }
  if (res.status >= 500) return noAnswer(NoAnswerReason.Unavailable, what);
  return noAnswer(NoAnswerReason.Rejected, what);
}

/** Why a fetch threw, as a no-answer. */
function thrownAnswer(e: unknown, signal: AbortSignal): ProviderAnswer {
  if (signal.aborted) return noAnswer(NoAnswerReason.Timeout, 'no answer in time');
  const message = e instanceof Error ? e.message : String(e);
  return noAnswer(NoAnswerReason.NetworkError, message.slice(0, 200));
}

/** GETs `url` and validates the JSON body with `schema`. */
export async function getJson<S extends v.GenericSchema>(
  url: string,
  headers: Record<string, string>,
  schema: S,
  signal: AbortSignal,
  nowMs: () => number = Date.now,
): Promise<Fetched<v.InferOutput<S>>> {
  let text: string | null;
  try {
    // No redirects: fetch would carry custom key headers (`Key`, `x-apikey`) to wherever they point.
    const res = await fetch(url, { headers, signal, redirect: 'error' });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      return fail(statusAnswer(res, nowMs()));
    }
    text = await readTextCapped(res, MAX_BODY_BYTES);
  } catch (e) {
    return fail(thrownAnswer(e, signal));
  }
  if (text === null) return fail(noAnswer(NoAnswerReason.BadBody, `larger than ${MAX_BODY_BYTES} bytes`));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail(noAnswer(NoAnswerReason.BadBody, 'not JSON'));
  }
  const parsed = v.safeParse(schema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    return fail(noAnswer(NoAnswerReason.BadBody, `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`));
  }
  return { ok: true, body: parsed.output };
}

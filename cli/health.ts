/**
 * `scopilot health`: whether the server at SCOPILOT_API_BASE is ready, and
 * whether it accepts the token in SCOPILOT_API_TOKEN. Readiness alone would
 * say "ready" to someone whose every other command is then refused, so a
 * ready server is also asked one authenticated question.
 */
import { parseArgs } from 'node:util';
import { ApiClient, ApiError } from './client/http.ts';
import { ExitCode, Usage } from './usage.ts';

export const HEALTH_USAGE = Usage.health;

/** What the server made of the token. */
export const TokenCheck = {
  Accepted: 'accepted',
  Refused: 'refused',
  Missing: 'missing',
  NotRequired: 'not_required',
  /** A role without the edge: nothing there takes tokens. */
  NoApi: 'no_api',
} as const;
export type TokenCheck = (typeof TokenCheck)[keyof typeof TokenCheck];

const SAYS: Record<TokenCheck, string> = {
  accepted: 'the token is accepted',
  refused: 'but the server refused the token in SCOPILOT_API_TOKEN',
  missing: 'but the server requires a token: set SCOPILOT_API_TOKEN',
  not_required: 'the server requires no token',
  no_api: 'this process serves no API (a role without the edge)',
};

/** One cheap read any role may make (viewer): the answer says how the token fared. */
async function checkToken(client: ApiClient, hasToken: boolean): Promise<TokenCheck> {
  try {
    await client.request('GET', '/api/v1/sgts');
    return hasToken ? TokenCheck.Accepted : TokenCheck.NotRequired;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401) return hasToken ? TokenCheck.Refused : TokenCheck.Missing;
    // Authenticated, only not allowed this read: the token itself is good.
    if (error.status === 403) return TokenCheck.Accepted;
    if (error.status === 404) return TokenCheck.NoApi;
    throw error;
  }
}

export async function runHealth(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    strict: true,
  });
  const client = new ApiClient();
  const base = client.base;
  let response: Response;
  try {
    response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    console.error(`scopilot: cannot reach ${base}: ${(error as Error).message}`);
    return ExitCode.Failed;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  const hasToken = (process.env.SCOPILOT_API_TOKEN ?? '').trim() !== '';
  const token = response.ok ? await checkToken(client, hasToken) : undefined;
  const ok = response.ok && token !== TokenCheck.Refused && token !== TokenCheck.Missing;
  if (values.json)
    console.log(
      JSON.stringify({ ok, status: response.status, ...body, ...(token ? { token } : {}) }, null, 2),
    );
  else
    console.log(
      token !== undefined
        ? `ready (${base})${ok ? '; ' : ', '}${SAYS[token]}`
        : `not ready (${base}): ${String(body.detail ?? response.status)}`,
    );
  return ok ? ExitCode.Ok : ExitCode.Failed;
}

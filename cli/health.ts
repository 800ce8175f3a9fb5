/** `scopilot health`: whether the server at SCOPILOT_API_BASE is ready, and why not. */
import { parseArgs } from 'node:util';
import { ExitCode, Usage } from './usage.ts';

export const HEALTH_USAGE = Usage.health;

export async function runHealth(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    strict: true,
  });
  const base = process.env.SCOPILOT_API_BASE ?? 'http://127.0.0.1:8000';
  let response: Response;
  try {
    response = await fetch(new URL('/readyz', base), { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    console.error(`scopilot: cannot reach ${base}: ${(error as Error).message}`);
    return ExitCode.Failed;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (values.json)
    console.log(JSON.stringify({ ok: response.ok, status: response.status, ...body }, null, 2));
  else
    console.log(
      response.ok ? `ready (${base})` : `not ready (${base}): ${String(body.detail ?? response.status)}`,
    );
  return response.ok ? ExitCode.Ok : ExitCode.Failed;
}

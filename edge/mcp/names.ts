/**
 * SGT names in tool results: tags read `Employees (4)`, as people name them,
 * from the tenant's dictionary (`GET /sgts`, with the caller's own token).
 * Names are decoration: when the dictionary cannot be read, numbers are shown.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApiCall, ApiRequest } from './api.ts';
import { tag } from './render.ts';
import { apiError, isOk, okResult } from './tool.ts';

export type SgtNames = ReadonlyMap<number, string>;

export async function sgtNames(api: ApiCall): Promise<SgtNames> {
  const response = await api({ method: 'GET', path: '/sgts' }).catch(() => null);
  if (response === null || !isOk(response) || !Array.isArray(response.body)) return new Map();
  return new Map(
    (response.body as { tag?: unknown; name?: unknown }[]).flatMap((e) =>
      typeof e.tag === 'number' && typeof e.name === 'string' ? [[e.tag, e.name] as const] : [],
    ),
  );
}

/** `Employees (4)` (escaped) when the tag has a name, `Unknown (0)` for 0, else the number. */
export function named(t: number, names: SgtNames): string {
  const name = names.get(t) ?? (t === 0 ? 'Unknown' : undefined);
  return name === undefined ? String(t) : tag({ tag: t, name });
}

/** `Employees (4) → Web (10)`. */
export const namedPair = (sgt: number, dgt: number, names: SgtNames): string =>
  `${named(sgt, names)} → ${named(dgt, names)}`;

/** The tag pair of a flow id (`4-10-tcp-any-443`), named; empty when it is not one. */
export function flowPair(flowId: string, names: SgtNames): string {
  const m = /^(\d{1,5})-(\d{1,5})-/.exec(flowId);
  return m === null ? '' : namedPair(Number(m[1]), Number(m[2]), names);
}

/** callApi, with the dictionary read after a successful call for the renderer. */
export async function callApiNamed<T>(
  api: ApiCall,
  request: ApiRequest,
  render: (body: T, names: SgtNames) => string,
): Promise<CallToolResult> {
  const response = await api(request);
  if (!isOk(response)) return apiError(response);
  return okResult(response.body, render(response.body as T, await sgtNames(api)));
}

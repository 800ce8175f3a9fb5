/**
 * SGT names for what the client commands print: tags read `Employees (4)`,
 * not `4`. The tenant's dictionary comes from `/api/v1/sgts`; names are
 * decoration, so when they cannot be had the numbers alone are printed.
 */
import type { ApiClient } from './http.ts';
import { listOf, type SgtNames } from './output.ts';

export async function sgtNames(client: ApiClient): Promise<SgtNames> {
  try {
    const body = await client.get<unknown>('/api/v1/sgts');
    return new Map(
      listOf(body, 'sgts').flatMap((e) =>
        typeof e.tag === 'number' && typeof e.name === 'string' ? [[e.tag, e.name] as const] : [],
      ),
    );
  } catch {
    return new Map();
  }
}

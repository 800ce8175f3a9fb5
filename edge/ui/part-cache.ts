/**
 * Rendered parts of a page, kept per store and tenant while what they are
 * drawn from is unchanged. The caller names that in a key (for the matrix
 * page: the live version, the inventory view's stamp and the tag names); a
 * new key renders again and replaces the part. The matrix page of a
 * 20,000-flow tenant spends tens of milliseconds of the server's one thread
 * on its heat map, Sankey and table each visit, and between two visits the
 * inventory mostly has not moved.
 */
import { raw } from 'hono/html';
import type { Html } from './layout.ts';

interface Kept {
  key: string;
  html: string;
}

export class PartCache {
  readonly #byStore = new WeakMap<object, Map<string, Kept>>();
  readonly #maxTenants: number;

  /** `maxTenants`: tenants kept per store, the least recently drawn dropped first. */
  constructor(maxTenants = 16) {
    this.#maxTenants = maxTenants;
  }

  /** The part kept for `tenant` under `key`, else `render()`'s, kept; a null key renders and keeps nothing. */
  async get(store: object, tenant: string, key: string | null, render: () => Html): Promise<Html> {
    if (key === null) return render();
    let kept = this.#byStore.get(store);
    if (kept === undefined) {
      kept = new Map();
      this.#byStore.set(store, kept);
    }
    const hit = kept.get(tenant);
    kept.delete(tenant);
    if (hit?.key === key) {
      kept.set(tenant, hit);
      return raw(hit.html);
    }
    const html = (await render()).toString();
    kept.set(tenant, { key, html });
    if (kept.size > this.#maxTenants) {
      const oldest = kept.keys().next().value;
      if (oldest !== undefined) kept.delete(oldest);
    }
    return raw(html);
  }
}

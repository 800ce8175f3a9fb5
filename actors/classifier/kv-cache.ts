/**
 * The classification cache (DESIGN §7) on the `scopilot_classifications`
 * bucket, one tenant's view of it. The bucket's max age is the cache window,
 * so expiry needs no sweeping.
 */
import type { ClassificationCache } from '../../domain/classify/types.ts';
import type { Classification } from '../../domain/types.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';

export function kvClassificationCache(stores: Stores, tenant: string): ClassificationCache {
  return {
    async get(flowId) {
      const found = await stores.classifications.get(keys.classification(tenant, flowId));
      return found === null ? null : (found.value as Classification);
    },
    async set(c) {
      await stores.classifications.put(keys.classification(tenant, c.flowId), c);
    },
  };
}

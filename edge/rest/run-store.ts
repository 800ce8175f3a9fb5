/**
 * The runs bucket as the staged-run and classification routes use it: opened
 * once on first use (the routers are built before the engine's buckets exist),
 * and changed with CAS, so requests racing on one run never lose a change.
 */
import { KvConflictError } from '../../engine/errors.ts';
import { keys } from '../../kv-schema/mod.ts';
import { openRunStore, type RunRecord, type RunStore } from '../../kv-schema/run-record.ts';
import { conflict, notFound, tooLarge } from '../problem.ts';
import type { ApiDeps } from './deps.ts';
import { RUN_RECORD_BUDGET } from './run-result.ts';
import { RUN_ID } from './runs.ts';

/** Writers racing on one run each retry this often, with a random pause that spreads them out. */
const CAS_ATTEMPTS = 12;
const CAS_PAUSE_MS = 15;
const encoder = new TextEncoder();

/** The store, opened on first call; a failed open is tried again next time. */
export function lazyRunStore(deps: Pick<ApiDeps, 'engine' | 'ns'>): () => Promise<RunStore> {
  let opened: Promise<RunStore> | undefined;
  return () => {
    opened ??= openRunStore(deps.engine, deps.ns).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
}

/** A run's key; an id that cannot be one is simply not found. */
export function runKey(tenant: string, id: string): string {
  if (!RUN_ID.test(id)) throw notFound(`no run ${JSON.stringify(id.slice(0, 64))}`);
  return keys.run(tenant, id);
}

function checkSize(record: RunRecord): RunRecord {
  const size = encoder.encode(JSON.stringify(record)).byteLength;
  if (size > RUN_RECORD_BUDGET) {
    throw tooLarge(
      `the run would take ${size} bytes to store (at most ${RUN_RECORD_BUDGET}); upload large logs with POST /runs`,
    );
  }
  return record;
}

/**
 * Apply `change` to the stored run with CAS, re-reading and re-applying when
 * another request won. `change` answers null to leave the run as it is.
 */
export async function updateRun(
  store: RunStore,
  tenant: string,
  id: string,
  change: (r: RunRecord) => Promise<RunRecord | null> | RunRecord | null,
): Promise<RunRecord> {
  const key = runKey(tenant, id);
  for (let attempt = 1; ; attempt++) {
    const found = await store.get(key);
    if (found === null) throw notFound(`no run ${id}`);
    const next = await change(found.value);
    if (next === null) return found.value;
    try {
      await store.update(key, checkSize(next), found.revision);
      return next;
    } catch (error) {
      if (!(error instanceof KvConflictError)) throw error;
      if (attempt >= CAS_ATTEMPTS) {
        throw conflict(
          `run ${id} kept changing under this request; send it again (a batchId makes that safe)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * CAS_PAUSE_MS * attempt));
    }
  }
}

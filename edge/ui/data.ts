/**
 * What dashboard pages read and send, beyond the REST routes' own readers
 * (rest/matrix-data.ts): a tenant's proposals, readiness (the scheduler's
 * snapshot when it measured the live version, else measured now), and
 * commands to the matrix keeper with its answer as a plain result.
 */
import {
  keys,
  type ProposalRecord,
  type ReadinessSnapshot,
  type Stores,
  sgtNames,
} from '../../kv-schema/mod.ts';
import { CommandVerb, type DecideCommand, type RollbackCommand } from '../../streams/mod.ts';
import { sendCommand } from '../rest/commands.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { liveMatrix, mapParallel, readinessNow } from '../rest/matrix-data.ts';

export { sgtNames };

export const OPEN_STATUSES: readonly string[] = ['pending', 'notified'];

/** Every proposal of a tenant, newest first. */
export async function allProposals(stores: Stores, tenant: string): Promise<ProposalRecord[]> {
  const found = await mapParallel(await stores.proposals.keys(keys.tenantAll(tenant)), (k) =>
    stores.proposals.get(k),
  );
  return found
    .flatMap((f) => (f === null ? [] : [f.value]))
    .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : 1));
}

export interface ReadinessView {
  snapshot: ReadinessSnapshot;
  /** Who measured it: the scheduler's last scan, or this request. */
  source: 'scheduler' | 'now';
  liveVersion: number;
}

export async function readinessView(stores: Stores, tenant: string, fresh: boolean): Promise<ReadinessView> {
  const live = await liveMatrix(stores, tenant);
  const snap = fresh ? null : await stores.readiness.get(keys.readiness(tenant));
  if (snap !== null && snap.value.version === live.version)
    return { snapshot: snap.value, source: 'scheduler', liveVersion: live.version };
  return {
    snapshot: await readinessNow(stores, tenant, Date.now()),
    source: 'now',
    liveVersion: live.version,
  };
}

export type CommandResult =
  | { ok: true; version: number | null; status: string | null }
  | { ok: false; status: 400 | 403 | 404 | 409 | 500 | 502 | 503; detail: string };

const STATUSES = [400, 403, 404, 409, 500, 502, 503] as const;
type FailStatus = (typeof STATUSES)[number];
const asStatus = (n: number): FailStatus => STATUSES.find((s) => s === n) ?? 500;

/** Send a decide or rollback command to the tenant's matrix keeper; its answer, as a result. */
export async function command(
  deps: ApiDeps,
  tenant: string,
  cmd: { verb: 'decide'; body: DecideCommand } | { verb: 'rollback'; body: RollbackCommand },
): Promise<CommandResult> {
  const verb = cmd.verb === 'decide' ? CommandVerb.Decide : CommandVerb.Rollback;
  const res = await sendCommand(deps, tenant, verb, cmd.body);
  const body: unknown = await res.json().catch(() => null);
  const field = (name: string): unknown =>
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (res.ok) {
    const version = field('version');
    const status = field('status');
    return {
      ok: true,
      version: typeof version === 'number' ? version : null,
      status: typeof status === 'string' ? status : null,
    };
  }
  const detail = field('detail');
  return {
    ok: false,
    status: asStatus(res.status),
    detail: typeof detail === 'string' ? detail : `the matrix keeper answered ${res.status}`,
  };
}

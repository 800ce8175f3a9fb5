/**
 * What every part of the sync works with once the stores are open: the
 * product's stores, the sync state, the event log and subjects, the clock.
 * Audit records go through `audit` so each carries who, where and a unique id.
 */
import type { EventLog } from '../../../engine/types.ts';
import type { Stores } from '../../../kv-schema/mod.ts';
import { AuditRecord, checked, encodeMessage, type Subjects } from '../../../streams/mod.ts';
import type { SyncStateStore } from './state.ts';

export interface SyncContext {
  stores: Stores;
  state: SyncStateStore;
  log: EventLog;
  subjects: Subjects;
  now: () => number;
}

let sequence = 0;

/** One audit record on the tenant's AUDIT subject. */
export async function audit(
  ctx: SyncContext,
  tenant: string,
  entry: { action: string; object: string; channel: string; by: string; detail: Record<string, unknown> },
): Promise<void> {
  const atMs = ctx.now();
  const id = `audit:${tenant}:${entry.action}:${entry.object}:${atMs}:${++sequence}`;
  const data = checked(AuditRecord, {
    action: entry.action,
    object: entry.object,
    channel: entry.channel.slice(0, 32),
    detail: entry.detail,
  });
  await ctx.log.publish(
    ctx.subjects.audit(tenant),
    encodeMessage({ id, tenant, at: new Date(atMs).toISOString(), by: entry.by.slice(0, 200), data }),
    { msgId: id },
  );
}

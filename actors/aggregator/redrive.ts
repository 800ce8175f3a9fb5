/**
 * Replaying a tenant's deltas refused by the flows quota, once the quota has been raised: each
 * such dead letter's original message is published again on its own subject, and the
 * aggregator takes it as new (it has a new stream sequence). Dead letters for other reasons
 * are left alone. A cursor in the state bucket remembers the last one sent, so running it
 * twice sends each once; one refused again (the quota still too low) is dead-lettered again
 * and is picked up by the next run.
 */
import * as v from 'valibot';
import type { EventLog } from '../../engine/types.ts';
import { keys, RedriveCursor } from '../../kv-schema/mod.ts';
import type { Stores } from '../../kv-schema/stores.ts';
import { TypedBucket } from '../../kv-schema/typed.ts';
import { DeadLetter, type Namespace, StreamName, streamName, subjectsFor } from '../../streams/mod.ts';
import { FLOW_QUOTA_REASON } from './flow-quota.ts';

const AGGREGATOR = 'aggregator';
const decoder = new TextDecoder();

export interface RedriveReport {
  /** Dead letters sent again. */
  sent: number;
  /** Of the aggregator's dead letters read, those for another reason (left alone). */
  other: number;
}

export async function redriveFlowQuota(
  log: EventLog,
  stores: Stores,
  ns: Namespace,
  tenant: string,
  nowMs: number = Date.now(),
): Promise<RedriveReport> {
  const cursors = new TypedBucket(stores.watch.raw, RedriveCursor);
  const key = keys.cursor('redrive', AGGREGATOR, tenant);
  const after = (await cursors.get(key))?.value.seq ?? 0;
  const dead = streamName(StreamName.Dead, ns);
  const filterSubject = subjectsFor(ns).dead(tenant, AGGREGATOR);
  const report: RedriveReport = { sent: 0, other: 0 };
  let last = after;
  for await (const m of log.replay(dead, { filterSubject, fromSeq: after + 1 })) {
    last = m.seq;
    const letter = v.safeParse(DeadLetter, JSON.parse(decoder.decode(m.data)));
    if (!letter.success || !letter.output.error.startsWith(FLOW_QUOTA_REASON)) {
      report.other++;
      continue;
    }
    const { subject, payload } = letter.output;
    await log.publish(subject, Buffer.from(payload, 'base64'), { msgId: `redrive:${dead}:${m.seq}` });
    report.sent++;
  }
  if (last > after) await cursors.put(key, { seq: last, updatedAtMs: nowMs });
  return report;
}

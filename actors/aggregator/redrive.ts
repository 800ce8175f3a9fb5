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
    const letter = refused(m.data);
    if (letter === null) {
      report.other++;
      continue;
    }
    const { subject, payload } = letter;
    await log.publish(subject, Buffer.from(payload, 'base64'), { msgId: `redrive:${dead}:${m.seq}` });
    report.sent++;
  }
  if (last > after) await cursors.put(key, { seq: last, updatedAtMs: nowMs });
  return report;
}

/** A dead letter of a delta refused by the flows quota, or null for any other. */
function refused(data: Uint8Array): DeadLetter | null {
  const letter = v.safeParse(DeadLetter, JSON.parse(decoder.decode(data)));
  return letter.success && letter.output.error.startsWith(FLOW_QUOTA_REASON) ? letter.output : null;
}

export interface RedriveWaiting {
  /** Refused deltas the next run would send, among the dead letters read. */
  waiting: number;
  /** True when `max` dead letters were read and more may follow. */
  more: boolean;
}

/**
 * What the next `redriveFlowQuota` would send, for an operator's view: the dead letters past
 * the cursor, read up to `max` of them so the answer stays cheap for a tenant with many.
 */
export async function flowQuotaWaiting(
  log: EventLog,
  stores: Stores,
  ns: Namespace,
  tenant: string,
  max = 1_000,
): Promise<RedriveWaiting> {
  const cursor = await new TypedBucket(stores.watch.raw, RedriveCursor).get(
    keys.cursor('redrive', AGGREGATOR, tenant),
  );
  const filterSubject = subjectsFor(ns).dead(tenant, AGGREGATOR);
  const replay = log.replay(streamName(StreamName.Dead, ns), {
    filterSubject,
    fromSeq: (cursor?.value.seq ?? 0) + 1,
    limit: max,
  });
  let read = 0;
  let waiting = 0;
  for await (const m of replay) {
    read++;
    if (refused(m.data) !== null) waiting++;
  }
  return { waiting, more: read >= max };
}

/**
 * Listing a KV bucket's live keys. The client's own `kv.keys()` leaves its
 * push consumer on the server after the listing (minutes, until the server's
 * inactivity sweep), so a hot path that lists keys piles up thousands of
 * consumers on a shared server. This reads the last message per subject,
 * headers only, through an ephemeral pull consumer and deletes it at once
 * (its inactivity threshold is the fallback should this process die first).
 */
import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { NS_PER_MS } from './config.ts';
import type { NatsContext } from './connection.ts';
import { errorMessage } from './nats-errors.ts';

const OPERATION_HEADER = 'KV-Operation';
const FETCH_BATCH = 1_000;
const INACTIVE_THRESHOLD_MS = 30_000;

const isLive = (m: JsMsg): boolean => {
  const op = m.headers?.get(OPERATION_HEADER) ?? '';
  return op !== 'DEL' && op !== 'PURGE';
};

/** Sorted live keys of `bucket` matching `filter` (`*`, `>` wildcards). */
export async function listKeys(ctx: NatsContext, bucket: string, filter: string): Promise<string[]> {
  const stream = `KV_${bucket}`;
  const prefix = `$KV.${bucket}.`;
  const info = await ctx.jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.LastPerSubject,
    filter_subject: `${prefix}${filter}`,
    headers_only: true,
    mem_storage: true,
    inactive_threshold: INACTIVE_THRESHOLD_MS * NS_PER_MS,
  });
  try {
    const consumer = await ctx.js.consumers.get(stream, info.name);
    const out = new Set<string>();
    let pending = info.num_pending;
    while (pending > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, FETCH_BATCH), expires: 5_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        if (isLive(m)) out.add(m.subject.slice(prefix.length));
        pending = m.info.pending;
      }
      if (got === 0) break; // nothing came before the fetch expired: the listing is as complete as it gets
    }
    return [...out].sort();
  } finally {
    await ctx.jsm.consumers.delete(stream, info.name).catch((error: unknown) => {
      ctx.log('debug', 'key listing consumer delete failed', { error: errorMessage(error) });
    });
  }
}

/**
 * Gives flows held back by the open-proposals quota (quota.ts) their turn:
 * each time one of a tenant's proposals stops being open (decided, expired),
 * the flows held for one tag pair are published again as `flows.classified`,
 * as they came, and the proposer takes them like any other. One pair per
 * closed proposal, because all flows of a pair fold into one proposal. A
 * flow released into a tenant that filled up again meanwhile is simply held
 * again; its held record is only removed by the proposer, once the flow is
 * proposed or needs no proposal, so nothing held is ever lost.
 *
 * Why held records in KV rather than a delayed redelivery: the engine's
 * delivery retries count against a message's delivery limit and end as a
 * dead letter, while a tenant may stay full for days. A held record waits
 * as long as it must and costs nothing while it waits.
 */
import * as v from 'valibot';
import type { ActorDefinition, Effect } from '../../engine/actor/types.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';
import {
  decodeMessage,
  envelope,
  type Namespace,
  ProposalEvent,
  ProposalEventMessage,
  StreamName,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { heldFlows } from './quota.ts';

const Empty = v.object({});
const encoder = new TextEncoder();
/** The events by which a proposal leaves the open statuses. */
const CLOSING = new Set<string>([ProposalEvent.Decided, ProposalEvent.Expired]);

interface Closed {
  event: string;
}

/** The tag pair of a held flow's key (`held.<t>.<sgt>-<dgt>-<proto>-<src>-<dst>`). */
function pairOfKey(key: string): string {
  const flowId = key.slice(key.lastIndexOf('.') + 1);
  return flowId.split('-', 2).join('-');
}

export function proposalReleaseActor(
  ns: Namespace,
  stores: Stores,
): ActorDefinition<Record<string, never>, Closed> {
  const subjects = subjectsFor(ns);
  const held = heldFlows(stores);
  return {
    kind: 'proposal-release',
    stream: streamName(StreamName.Events, ns),
    filterSubject: subjects.proposalsAll(),
    initialState: () => ({}),
    parseState: (raw) => v.parse(Empty, raw) as Record<string, never>,
    decode: (message) => {
      decodeMessage(message.data, ProposalEventMessage);
      return { event: message.subject.slice(message.subject.lastIndexOf('.') + 1) };
    },
    async transition(state, m, ctx) {
      if (!CLOSING.has(m.event)) return { state, effects: [] };
      const tenant = ctx.tenant;
      // First the mark, then the list: a proposer that held a flow after this list was read
      // finds the mark changed and looks at its count again (quota.ts).
      await held.raw.put(keys.proposalClosed(tenant), encoder.encode(JSON.stringify({ atMs: ctx.nowMs })));
      const waiting = await held.keys(keys.heldFlowsAll(tenant));
      if (waiting.length === 0) return { state, effects: [] };
      const pairs = [...new Set(waiting.map(pairOfKey))].sort();
      // Deterministic per event, spread over the pairs: no pair waits behind one that keeps refilling.
      const pair = pairs[ctx.seq % pairs.length];
      const effects: Effect[] = [];
      for (const key of waiting.filter((k) => pairOfKey(k) === pair)) {
        const record = await held.get(key);
        if (record === null) continue;
        const msgId = `released:${tenant}:${record.value.flow.flowId}:${record.revision}`;
        effects.push({
          type: 'publish',
          subject: subjects.flowsClassified(tenant),
          msgId,
          message: envelope({
            id: msgId,
            tenant,
            at: new Date(ctx.nowMs).toISOString(),
            by: 'proposer',
            data: record.value.flow,
          }),
        });
      }
      return { state, effects };
    },
  };
}

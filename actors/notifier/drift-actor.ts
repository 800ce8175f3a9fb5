/**
 * The ISE drift notice on the engine: reads `ise.drift` reports from EVENTS
 * (published by the sync after every comparison of a tenant's ISE with its
 * approved matrix) and posts to the tenant's operators room when drift
 * appears, changes or goes away (drift-logic.ts). Posting and retries are the
 * notifier's: WebEx 429 and 5xx are retried by the client, then by the
 * engine with backoff; an answer retrying cannot change is a TerminalError.
 */
import * as v from 'valibot';
import type { ActorDefinition } from '../../engine/actor/types.ts';
import { TerminalError } from '../../engine/errors.ts';
import { type RoomDirectory, type WebexApi, WebexError } from '../../integrations/webex/mod.ts';
import { type Stores, sgtNames } from '../../kv-schema/mod.ts';
import {
  decodeMessage,
  IseDriftReport,
  type Namespace,
  StreamName,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { DriftNoticeState, INITIAL_DRIFT_NOTICE, planDriftNotice } from './drift-logic.ts';

export interface DriftNotifierOptions {
  api: WebexApi;
  rooms: RoomDirectory;
}

export type DriftNotifierMessage = { report: IseDriftReport; atMs: number };

export const DRIFT_NOTIFIER_KIND = 'ise-drift-notifier';

export function iseDriftNotifierActor(
  ns: Namespace,
  stores: Stores,
  o: DriftNotifierOptions,
): ActorDefinition<DriftNoticeState, DriftNotifierMessage> {
  return {
    kind: DRIFT_NOTIFIER_KIND,
    stream: streamName(StreamName.Events, ns),
    filterSubject: subjectsFor(ns).allTenants('ise.drift'),
    initialState: () => INITIAL_DRIFT_NOTICE,
    parseState: (raw) => v.parse(DriftNoticeState, raw),
    decode: (message) => {
      const { data, at } = decodeMessage(message.data, IseDriftReport);
      return { report: data, atMs: Date.parse(at) };
    },
    async transition(state, m, ctx) {
      const roomId = o.rooms.roomOf(ctx.tenant);
      const plan = planDriftNotice(state, {
        tenant: ctx.tenant,
        report: m.report,
        names: roomId === null ? new Map() : await sgtNames(stores, ctx.tenant),
        roomId,
        ageMs: ctx.nowMs - m.atMs,
      });
      if (plan.post !== null) {
        try {
          await o.api.postMessage(plan.post);
        } catch (error) {
          if (error instanceof WebexError && !error.retryable) {
            throw new TerminalError(`webex refused the drift notice: ${error.message}`, { cause: error });
          }
          throw error;
        }
      }
      return { state: plan.state, effects: [] };
    },
  };
}

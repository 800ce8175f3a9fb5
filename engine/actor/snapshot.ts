/**
 * An actor's stored snapshot, and reading / writing it with CAS.
 *
 * `unconfirmed` lists the stream sequences of messages applied to this state
 * whose acks were not yet confirmed when it was saved. A redelivered message
 * found there is acknowledged without being applied again, which is what makes
 * a crash between "state saved" and "ack recorded" harmless. Entries leave the
 * list at the next save after their ack is confirmed, so it stays a batch long.
 *
 * `outbox` holds the effects of the last applied batch, each with its msgId.
 * Whoever builds on this snapshot first executes them (publishes dedupe by
 * msgId), so a crash between "state saved" and "effects executed" loses nothing.
 */
import * as v from 'valibot';
import { TerminalError } from '../errors.ts';
import type { KvBucket } from '../types.ts';
import type { Effect } from './types.ts';

const Unconfirmed = v.tuple([v.number(), v.number()]);

export const ActorSnapshot = v.object({
  state: v.unknown(),
  /** [stream sequence, applied at epoch ms] */
  unconfirmed: v.array(Unconfirmed),
  outbox: v.array(v.custom<Effect>((x) => typeof x === 'object' && x !== null && 'type' in x)),
});
export type ActorSnapshot = v.InferOutput<typeof ActorSnapshot>;

export interface LoadedSnapshot<S> {
  state: S;
  unconfirmed: Map<number, number>;
  outbox: Effect[];
  /** 0 when the key does not exist yet. */
  revision: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function loadSnapshot<S>(
  bucket: KvBucket,
  key: string,
  initial: () => S,
  parseState: (raw: unknown) => S,
): Promise<LoadedSnapshot<S>> {
  const entry = await bucket.get(key);
  if (entry === null) {
    return { state: initial(), unconfirmed: new Map(), outbox: [], revision: 0 };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(entry.value));
  } catch (error) {
    throw new TerminalError(`snapshot ${key} is not JSON`, { cause: error });
  }
  const parsed = v.safeParse(ActorSnapshot, raw);
  if (!parsed.success) throw new TerminalError(`snapshot ${key} has an unknown shape`);
  return {
    state: parseState(parsed.output.state),
    unconfirmed: new Map(parsed.output.unconfirmed),
    outbox: parsed.output.outbox,
    revision: entry.revision,
  };
}

/** Write with CAS (create when new); throws KvConflictError when someone else saved first. */
export async function saveSnapshot<S>(
  bucket: KvBucket,
  key: string,
  snapshot: Omit<LoadedSnapshot<S>, 'revision'>,
  expectedRevision: number,
): Promise<number> {
  const body: ActorSnapshot = {
    state: snapshot.state,
    unconfirmed: [...snapshot.unconfirmed],
    outbox: snapshot.outbox,
  };
  const bytes = encoder.encode(JSON.stringify(body));
  return expectedRevision === 0 ? bucket.create(key, bytes) : bucket.update(key, bytes, expectedRevision);
}

/**
 * A namespace decides the root token of every subject and the prefix of every
 * stream and bucket name. Production uses the names of DESIGN §4–5 exactly;
 * tests get a unique namespace each so they can share one NATS server and
 * clean up after themselves.
 */
import { InvalidNameError } from '../engine/errors.ts';

export interface Namespace {
  /** First subject token: `scopilot` in production. */
  readonly root: string;
  /** Prepended to stream names (FLOWS, WORK, …). */
  readonly streamPrefix: string;
  /** Prepended to bucket names (scopilot_sgt, …). */
  readonly bucketPrefix: string;
}

export const DEFAULT_NAMESPACE: Namespace = Object.freeze({
  root: 'scopilot',
  streamPrefix: '',
  bucketPrefix: '',
});

const ISOLATED_ID = /^[a-z][a-z0-9]{0,30}$/;

/** A namespace of its own, e.g. for one test: `t1x9` → subjects `t1x9.…`, streams `T1X9_FLOWS`, buckets `t1x9_scopilot_sgt`. */
export function isolatedNamespace(id: string): Namespace {
  if (!ISOLATED_ID.test(id))
    throw new InvalidNameError('namespace id', id, `must match ${ISOLATED_ID.source}`);
  return Object.freeze({ root: id, streamPrefix: `${id.toUpperCase()}_`, bucketPrefix: `${id}_` });
}

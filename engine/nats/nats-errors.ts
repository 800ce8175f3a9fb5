/**
 * Translation of @nats-io client errors into the engine's named errors, plus
 * the predicates the adapter uses to decide whether a failure is worth a retry.
 * Kept in one place so every port maps the same NATS failure the same way.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import { EngineClosedError } from '../errors.ts';

/** JetStream API error codes the adapter branches on (nats-server 2.9 numbering). */
export const ApiCode = {
  ...JetStreamApiCodes,
  ExpectedStreamMismatch: 10060,
  FilterNotSubset: 10093,
} as const;

/** The JetStream API error code carried by `error`, if it is one. */
export function apiCode(error: unknown): number | undefined {
  return error instanceof JetStreamApiError ? error.code : undefined;
}

/** Walks `cause` chains: the client wraps a NoRespondersError in a RequestError, and that again in JetStreamNotEnabled. */
function* causes(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

/** Nobody listens on the subject: for a JetStream publish this means no stream captures it. */
export function isNoResponders(error: unknown): boolean {
  for (const e of causes(error)) {
    if (e instanceof NoRespondersError) return true;
    if (e instanceof RequestError && e.isNoResponders()) return true;
  }
  return false;
}

export function isTimeout(error: unknown): boolean {
  for (const e of causes(error)) if (e instanceof TimeoutError) return true;
  return false;
}

export function isClosed(error: unknown): boolean {
  for (const e of causes(error)) {
    if (e instanceof ClosedConnectionError || e instanceof DrainingConnectionError) return true;
  }
  return false;
}

/** A failure that may go away on its own (timeout, connection trouble): safe to retry idempotent calls. */
export function isTransient(error: unknown): boolean {
  if (isNoResponders(error) || isClosed(error)) return false;
  for (const e of causes(error)) {
    if (e instanceof TimeoutError || e instanceof ConnectionError) return true;
    if (e instanceof RequestError) return true;
  }
  return false;
}

/** Replace connection-closed errors by EngineClosedError; everything else passes through. */
export function mapCommon(error: unknown): unknown {
  if (isClosed(error)) return new EngineClosedError();
  return error;
}

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Full-jitter exponential backoff: spreads retries of many clients after an outage. */
export function jitteredBackoff(attempt: number, baseMs = 100, capMs = 2_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The provider port: one small interface every source implements (the three
 * APIs, Talos, the offline blocklists), so the service asks them all the same
 * way and tests point them at a loopback fake. A provider never throws for
 * an expected failure: it answers `no_answer` with the reason, and the service
 * turns a throw into the same thing anyway.
 */
import type { IpAddress } from '../../domain/net/ip.ts';
import type { NoAnswerReason } from '../../domain/threat/types.ts';
import type { RateLimit } from './rate-limit.ts';

/** What a provider found: a score and categories, or why there is none. */
export type ProviderAnswer =
  | {
      kind: 'answer';
      /** Normalised 0–100 (each client documents its mapping). */
      score: number;
      /** Normalised categories (domain/threat/categories.ts). */
      categories: string[];
      /** Short summary for the trail, e.g. `12 reports by 5 users`. */
      detail?: string;
    }
  | {
      kind: 'no_answer';
      reason: NoAnswerReason;
      detail?: string;
      /** After a 429: how long the provider asks us to wait (null: it did not say). */
      retryAfterMs?: number | null;
    };

export interface ThreatProvider {
  /** Lower-case word, used in cache keys and the trail: `abuseipdb`, `otx`, `virustotal`, `talos`, `blocklist`. */
  readonly name: string;
  /** Free-tier limits this provider is held to; empty for local sources. */
  readonly limits: readonly RateLimit[];
  /** False for local sources: nothing is saved by caching a file lookup. */
  readonly cacheable: boolean;
  /** Only ever called with a public routable address. Must honour `signal` (the per-call timeout). */
  lookup(ip: IpAddress, signal: AbortSignal): Promise<ProviderAnswer>;
  /** Extra health facts, e.g. which blocklist files are loaded. */
  describe?(): Record<string, unknown>;
}

export const answer = (score: number, categories: string[], detail?: string): ProviderAnswer => ({
  kind: 'answer',
  score: Math.max(0, Math.min(100, Math.round(score))),
  categories,
  ...(detail === undefined || detail === '' ? {} : { detail: detail.slice(0, 500) }),
});

export type NoAnswer = Extract<ProviderAnswer, { kind: 'no_answer' }>;

export const noAnswer = (reason: NoAnswerReason, detail?: string): NoAnswer => ({
  kind: 'no_answer',
  reason,
  ...(detail === undefined ? {} : { detail: detail.slice(0, 500) }),
});

/** A configured base URL without its trailing slashes; paths are appended to it. */
export const baseUrlOf = (configured: string | undefined, fallback: string): string =>
  (configured ?? fallback).replace(/\/+$/, '');

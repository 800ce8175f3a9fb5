/**
 * Where the tests find NATS. `SCOPILOT_TEST_NATS_URL` (default
 * nats://127.0.0.1:4222). `scripts/test.ts` probes it once and exports
 * `SCOPILOT_TEST_NATS=1|0`; NATS suites use `describeNats`, which skips them
 * with one loud line when no server answers, unless `SCOPILOT_TEST_REQUIRE_NATS=1`.
 */
import { describe } from 'bun:test';

export const natsTestUrl = (): string => process.env.SCOPILOT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export const natsAvailable = (): boolean => process.env.SCOPILOT_TEST_NATS !== '0';

/** A unique, lower-case name prefix for one test's streams, buckets and subjects. */
export const testPrefix = (label = 't'): string =>
  `${label}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** `describe` for suites that need a real NATS server. */
export const describeNats = (name: string, fn: () => void): void => {
  if (natsAvailable()) describe(name, fn);
  else describe.skip(`${name} (SKIPPED: no NATS server at ${natsTestUrl()})`, fn);
};

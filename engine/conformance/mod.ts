/**
 * One conformance suite for the engine ports, run against every adapter so
 * they keep identical semantics (NATS JetStream is the reference). Call
 * `runConformance(name, factory)` inside a test file; it defines the bun:test
 * blocks, and deletes every stream and bucket it created afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { consumerTests } from './consumers.ts';
import { type ConformanceFactory, type ConformanceTarget, Scope } from './harness.ts';
import { kvTests } from './kv.ts';
import { readingTests } from './reading.ts';
import { rpcTests } from './rpc.ts';
import { streamTests } from './streams.ts';

export type { ConformanceFactory, ConformanceTarget } from './harness.ts';
export { Scope } from './harness.ts';

export function runConformance(name: string, factory: ConformanceFactory): void {
  describe(name, () => {
    let target: ConformanceTarget | undefined;
    let scope: Scope | undefined;
    const current = (): Scope => {
      if (!scope) throw new Error('conformance: the engine did not open');
      return scope;
    };

    beforeAll(async () => {
      target = await factory.open();
      scope = new Scope(target);
    });

    afterAll(async () => {
      if (!target) return;
      try {
        await scope?.dispose();
        await target.engine.close();
      } finally {
        await factory.cleanup?.(target);
      }
    });

    test('the engine reports itself connected', () => {
      expect(current().engine.isConnected()).toBe(true);
      expect(['nats', 'embedded']).toContain(current().engine.kind);
    });

    describe('streams', () => streamTests(current));
    describe('consumers', () => consumerTests(current));
    describe('reading', () => readingTests(current));
    describe('kv', () => kvTests(current));
    describe('rpc', () => rpcTests(current));
  });
}

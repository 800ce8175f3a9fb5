/**
 * LLM call limits on both engines, with the real Claude adapter against the
 * loopback fake of the Messages API: past a tenant's calls per hour its batch
 * is classified by the heuristics and says so, the fake sees only the calls
 * the budget allowed, another tenant is not held back, and two classifier
 * replicas over one store spend one budget between them.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { loadConfig } from '../../config/mod.ts';
import type { ActorSystem } from '../../engine/actor/system.ts';
import { SharedLlmCallLimits } from '../../integrations/anthropic/call-limits.ts';
import { AnthropicClassifier } from '../../integrations/anthropic/client.ts';
import { Bucket, bucketName, openStores, SharedRateLimiter, type Stores } from '../../kv-schema/mod.ts';
import {
  encodeMessage,
  type FlowClassified,
  type FlowUnknown,
  StreamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { type FakeAnthropic, startFakeAnthropic } from '../../test/fakes/anthropic.ts';
import { readAll, startSystem, waitFor } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { nameTags } from '../../test/support/pipeline.ts';
import { classifierActor } from './actor.ts';

function unknown(dstPort: number): FlowUnknown {
  return {
    flowId: `10-20-tcp-any-${dstPort}`,
    sgt: 10,
    dgt: 20,
    protocol: 'tcp',
    srcPort: 'any',
    dstPort,
    hits: 5,
    trigger: 'scan',
    triggerRef: 'scan-1',
  };
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`LLM call limits on ${flavour.name}`, () => {
    let te: TestEngine;
    let fake: FakeAnthropic;
    let stores: Stores;
    const systems: ActorSystem[] = [];
    let throttled: string[] = [];
    afterEach(async () => {
      for (const s of systems.splice(0)) await s.drain();
      await fake?.stop();
      await te?.dispose();
    });

    async function replica(env: Record<string, string>): Promise<void> {
      const config = loadConfig(env);
      const limits = new SharedLlmCallLimits({
        shared: new SharedRateLimiter(await te.engine.kv.bucket(bucketName(Bucket.State, te.ns))),
        quotas: config.quotas,
        callsPerMinute: config.anthropic.callsPerMinute,
        metrics: { throttled: (t, q, n) => throttled.push(`${t}:${q}:${n}`), shed: () => undefined },
      });
      const llm = new AnthropicClassifier({
        apiKey: fake.apiKey,
        baseURL: fake.url,
        model: 'claude-test',
        baseDelayMs: 10,
      });
      const actor = classifierActor(te.ns, stores, {
        mode: 'auto',
        llm,
        llmLimits: limits,
        cacheDays: 7,
        batchWindowMs: 50,
      });
      systems.push(await startSystem(te, [actor]));
    }

    async function setup(env: Record<string, string>, replicas = 1) {
      throttled = [];
      te = await flavour.open();
      fake = await startFakeAnthropic();
      stores = await openStores(te.engine, te.ns);
      for (const tenant of ['acme', 'quiet']) await nameTags(stores, tenant);
      for (let i = 0; i < replicas; i++) await replica(env);
    }

    async function send(tenant: string, u: FlowUnknown): Promise<void> {
      const id = `unknown-${tenant}-${u.flowId}`;
      await te.engine.log.publish(
        subjectsFor(te.ns).flowsUnknown(tenant),
        encodeMessage({ id, tenant, at: new Date().toISOString(), by: 'test', data: u }),
        { msgId: id },
      );
    }

    async function classified(tenant: string): Promise<FlowClassified[]> {
      const all = await readAll(te, StreamName.Work, subjectsFor(te.ns).flowsClassified(tenant));
      return all.map((m) => (m.json as { data: FlowClassified }).data);
    }

    test('past the calls per hour, a batch goes to the heuristics and says why; other tenants still reach the model', async () => {
      await setup({ SCOPILOT_QUOTAS__LLM_CALLS_PER_HOUR: '1' });
      await send('acme', unknown(8001));
      await waitFor('first batch', async () => (await classified('acme')).length === 1);
      expect((await classified('acme'))[0]).toMatchObject({ source: 'llm' });
      expect(fake.requests).toHaveLength(1);

      await send('acme', unknown(8002));
      await waitFor('second batch', async () => (await classified('acme')).length === 2);
      const second = (await classified('acme')).find((c) => c.dstPort === 8002);
      expect(second?.source).toBe('heuristic');
      expect(second?.rationale).toContain('LLM quota reached: tenant acme used its 1 calls an hour');
      expect(fake.requests).toHaveLength(1);
      expect(throttled).toEqual(['acme:llm-calls:1']);

      // Another tenant's budget is its own.
      await send('quiet', unknown(8003));
      await waitFor('the other tenant', async () => (await classified('quiet')).length === 1);
      expect((await classified('quiet'))[0]?.source).toBe('llm');
      expect(fake.requests).toHaveLength(2);
    });

    test('two classifier replicas over one store make at most the limit between them', async () => {
      await setup({ SCOPILOT_QUOTAS__LLM_CALLS_PER_HOUR: '2' }, 2);
      // One flow per batch: batches as far apart as the window, spread over both replicas.
      for (let port = 9001; port <= 9006; port++) {
        await send('acme', unknown(port));
        await Bun.sleep(80);
      }
      await waitFor('every flow classified', async () => (await classified('acme')).length === 6);
      const sources = (await classified('acme')).map((c) => c.source);
      expect(sources.filter((s) => s === 'llm')).toHaveLength(2);
      expect(sources.filter((s) => s === 'heuristic')).toHaveLength(4);
      expect(fake.requests).toHaveLength(2);
    });

    test("the account's calls per minute bind every tenant together", async () => {
      await setup({ SCOPILOT_ANTHROPIC__CALLS_PER_MINUTE: '1' });
      await send('acme', unknown(7001));
      await waitFor('first', async () => (await classified('acme')).length === 1);
      await send('quiet', unknown(7002));
      await waitFor('second', async () => (await classified('quiet')).length === 1);
      const quiet = (await classified('quiet'))[0];
      expect(quiet?.source).toBe('heuristic');
      expect(quiet?.rationale).toContain("the account's 1 calls a minute are used");
      expect(fake.requests).toHaveLength(1);
    });
  });
}

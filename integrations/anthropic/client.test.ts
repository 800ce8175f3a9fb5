/**
 * The Claude adapter against a real loopback server that speaks the Messages
 * API wire format: request shape, retries, timeouts and answer validation.
 */
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { makeFlow, SGT_NAMES } from '../../domain/classify/fixtures.ts';
import { findIpLiterals } from '../../domain/classify/untrusted.ts';
import { type FakeAnthropic, startFakeAnthropic } from '../../test/fakes/anthropic.ts';
import {
  AnthropicClassifier,
  type AnthropicClassifierOptions,
  ClaudeError,
  ClaudeErrorCode,
} from './client.ts';
import { ToolInputError } from './schema.ts';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await startFakeAnthropic();
});
afterEach(async () => {
  await fake.stop();
});

const client = (o: Partial<AnthropicClassifierOptions> = {}) =>
  new AnthropicClassifier({
    apiKey: fake.apiKey,
    baseURL: fake.url,
    model: 'claude-test-model',
    baseDelayMs: 10,
    maxDelayMs: 2_000,
    ...o,
  });

const web = makeFlow({ sgt: 4, dgt: 11, dstPort: 443 });
const ssh = makeFlow({ sgt: 4, dgt: 11, dstPort: 22 });
const batch = { flows: [web, ssh], sgtNames: SGT_NAMES };

/** Awaits a rejection and returns it, so tests can check its class and code. */
const failure = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
};

describe('AnthropicClassifier', () => {
  test('a good batch: one forced tool call, cached system prompt, validated verdicts', async () => {
    const c = client();
    const r = await c.classify(batch);
    expect(r.model).toBe('claude-test-model');
    expect(r.verdicts.map((v) => v.flowId).sort()).toEqual([ssh.id, web.id].sort());
    expect(r.verdicts.every((v) => v.category === 'default' && v.risk === 'low')).toBe(true);

    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0];
    expect(req?.path).toBe('/v1/messages');
    expect(req?.auth).not.toBeNull();
    const body = req?.body as Record<string, unknown>;
    expect(body.model).toBe('claude-test-model');
    expect(body.tool_choice).toEqual({
      type: 'tool',
      name: 'record_classifications',
      disable_parallel_tool_use: true,
    });
    expect((body.tools as { name: string }[]).map((t) => t.name)).toEqual(['record_classifications']);
    expect(body.system).toEqual([
      expect.objectContaining({ type: 'text', cache_control: { type: 'ephemeral' } }),
    ]);
    expect(body.stream).toBeUndefined();

    await c.classify(batch);
    expect(c.usage).toMatchObject({ calls: 2, attempts: 2, cacheWriteTokens: 1500, cacheReadTokens: 1500 });
  });

  test('the fake takes the key as x-api-key or a Bearer token, and refuses a wrong key', async () => {
    const ways: Record<string, string>[] = [
      { 'x-api-key': fake.apiKey },
      { authorization: `Bearer ${fake.apiKey}` },
    ];
    for (const headers of ways) {
      const res = await fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: 10, messages: [] }),
      });
      expect(res.status).toBe(200);
    }
    expect(fake.requests.map((r) => r.auth)).toEqual(['x-api-key', 'bearer']);
    const e = await failure(client({ apiKey: 'sk-wrong' }).classify(batch));
    expect(e).toBeInstanceOf(ClaudeError);
    expect((e as ClaudeError).code).toBe(ClaudeErrorCode.Rejected);
    expect((e as ClaudeError).status).toBe(401);
    expect(fake.requests).toHaveLength(3);
  });

  test('429 with retry-after, then success: exactly two requests, the wait honoured', async () => {
    fake.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, { kind: 'answer' });
    const r = await client().classify(batch);
    expect(r.verdicts).toHaveLength(2);
    expect(fake.requests).toHaveLength(2);
    const gap = (fake.requests[1]?.atMs ?? 0) - (fake.requests[0]?.atMs ?? 0);
    expect(gap).toBeGreaterThanOrEqual(950);
  });

  test('529 overloaded is retried with backoff until the attempts run out', async () => {
    fake.enqueue({ kind: 'status', status: 529 }, { kind: 'answer' });
    expect((await client().classify(batch)).verdicts).toHaveLength(2);
    expect(fake.requests).toHaveLength(2);

    fake.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 529 })));
    const e = await failure(client({ maxAttempts: 3 }).classify(batch));
    expect((e as ClaudeError).code).toBe(ClaudeErrorCode.Exhausted);
    expect(e.message).toContain('HTTP 529 after 3 attempts');
    expect(fake.requests).toHaveLength(5);
  });

  test('a retry-after longer than we wait ends the call at once', async () => {
    fake.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '120' } });
    const e = await failure(client().classify(batch));
    expect((e as ClaudeError).code).toBe(ClaudeErrorCode.RetryAfterTooLong);
    expect(fake.requests).toHaveLength(1);
  });

  test('a 400 is not retried', async () => {
    fake.enqueue({ kind: 'status', status: 400 });
    const e = await failure(client().classify(batch));
    expect((e as ClaudeError).code).toBe(ClaudeErrorCode.Rejected);
    expect(fake.requests).toHaveLength(1);
  });

  test('an answer slower than the timeout is abandoned', async () => {
    fake.enqueue({ kind: 'answer', delayMs: 5_000 });
    const started = Date.now();
    const e = await failure(client({ timeoutMs: 200 }).classify(batch));
    expect((e as ClaudeError).code).toBe(ClaudeErrorCode.Timeout);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.requests).toHaveLength(1);
  });

  test('malformed tool input and a missing tool call are errors', async () => {
    fake.enqueue(
      { kind: 'tool_input', input: { classifications: 'everything is fine' } },
      { kind: 'text', text: 'hello' },
    );
    expect(await failure(client().classify(batch))).toBeInstanceOf(ToolInputError);
    const e = await failure(client().classify(batch));
    expect((e as ClaudeError).code).toBe(ClaudeErrorCode.NoToolUse);
  });

  test('unknown categories are refused per flow; flows not asked about are ignored', async () => {
    fake.enqueue({
      kind: 'answer',
      decide: (ids) => [
        ...ids.map((flow_id) => ({
          flow_id,
          category: flow_id === web.id ? 'mostly_ok' : 'harmful',
          risk: 'high',
          rationale: 'r',
        })),
        { flow_id: '9-9-udp-any-9', category: 'default', risk: 'low', rationale: 'not asked' },
      ],
    });
    const r = await client().classify(batch);
    expect(r.verdicts).toEqual([{ flowId: ssh.id, category: 'harmful', risk: 'high', rationale: 'r' }]);
    expect(r.rejected).toEqual([{ flowId: web.id, reason: 'unknown category (category: "mostly_ok")' }]);
  });

  test('no request body holds an IP address, though samples and names do', async () => {
    const names = new Map([...SGT_NAMES, [40, 'Srv_10.1.2.3'], [41, 'Edge 2001:db8::9']]);
    const flows = [
      makeFlow({ sgt: 40, dgt: 41, dstPort: 8080 }, { sgaclNames: ['from 192.168.1.1', 'fe80::1%eth0 acl'] }),
      web,
    ];
    await client().classify({ flows, sgtNames: names });
    expect(fake.requests).toHaveLength(1);
    for (const r of fake.requests) {
      expect(findIpLiterals(r.raw)).toEqual([]);
      for (const sample of [...web.srcSamples, ...web.dstSamples, 'sw01.example.net', 'GigabitEthernet']) {
        expect(r.raw).not.toContain(sample);
      }
    }
  });
});

/**
 * Conformance: request/reply. Round trip, queue-group sharing, no responders,
 * timeouts, a throwing handler (the caller gets an Error with its message and
 * the service keeps serving), and stop.
 */
import { expect, test } from 'bun:test';
import { RpcNoRespondersError, RpcTimeoutError } from '../errors.ts';
import { dec, enc, rejection, type Scope, sleep } from './harness.ts';

export function rpcTests(scope: () => Scope): void {
  test('serve answers request; the handler sees data and subject', async () => {
    const s = scope();
    const subject = s.subject('rpc.echo');
    const service = s.engine.rpc.serve(subject, 'echo', (data, subj) => enc(`${subj}:${dec(data)}`));
    try {
      const reply = await s.engine.rpc.request(subject, enc('hi'), 3_000);
      expect(dec(reply)).toBe(`${subject}:hi`);
      const empty = s.engine.rpc.serve(s.subject('rpc.empty'), 'empty', async () => new Uint8Array());
      try {
        expect(await s.engine.rpc.request(s.subject('rpc.empty'), enc(''), 3_000)).toHaveLength(0);
      } finally {
        await empty.stop();
      }
    } finally {
      await service.stop();
    }
  });

  test('servers in one queue group share the requests, each served once', async () => {
    const s = scope();
    const subject = s.subject('rpc.pool');
    const counts = [0, 0];
    const services = [0, 1].map((i) =>
      s.engine.rpc.serve(subject, 'pool', async () => {
        counts[i] = (counts[i] ?? 0) + 1;
        return enc(`${i}`);
      }),
    );
    try {
      const replies = await Promise.all(
        Array.from({ length: 40 }, () => s.engine.rpc.request(subject, enc('x'), 3_000)),
      );
      expect(replies).toHaveLength(40);
      expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(40);
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).toBeGreaterThan(0);
    } finally {
      await Promise.all(services.map((x) => x.stop()));
    }
  });

  test('request without a server throws RpcNoRespondersError', async () => {
    const s = scope();
    expect(await rejection(s.engine.rpc.request(s.subject('rpc.nobody'), enc('x'), 2_000))).toBeInstanceOf(
      RpcNoRespondersError,
    );
  });

  test('a slow handler makes request throw RpcTimeoutError', async () => {
    const s = scope();
    const subject = s.subject('rpc.slow');
    const service = s.engine.rpc.serve(subject, 'slow', async () => {
      await sleep(1_000);
      return enc('late');
    });
    try {
      const started = Date.now();
      expect(await rejection(s.engine.rpc.request(subject, enc('x'), 250))).toBeInstanceOf(RpcTimeoutError);
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      await service.stop();
    }
  });

  test('a throwing handler makes request throw its message; the service keeps serving', async () => {
    const s = scope();
    const subject = s.subject('rpc.fail');
    const service = s.engine.rpc.serve(subject, 'fail', (data) => {
      if (dec(data) === 'bad') throw new Error('bad input: line one\nline two');
      return enc('fine');
    });
    try {
      const error = await rejection(s.engine.rpc.request(subject, enc('bad'), 3_000));
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(RpcTimeoutError);
      expect((error as Error).message).toContain('bad input: line one');
      expect(dec(await s.engine.rpc.request(subject, enc('good'), 3_000))).toBe('fine');
    } finally {
      await service.stop();
    }
  });

  test('after stop() nobody answers', async () => {
    const s = scope();
    const subject = s.subject('rpc.stop');
    const service = s.engine.rpc.serve(subject, 'stop', () => enc('ok'));
    expect(dec(await s.engine.rpc.request(subject, enc('x'), 3_000))).toBe('ok');
    await service.stop();
    expect(await rejection(s.engine.rpc.request(subject, enc('x'), 2_000))).toBeInstanceOf(
      RpcNoRespondersError,
    );
  });
}

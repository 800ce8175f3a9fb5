/** The SSE parser: whole events however the stream is cut, per the event-stream format. */
import { describe, expect, test } from 'bun:test';
import { SseParser } from './sse.ts';

const STREAM =
  ': connected\n\nevent: flow\nid: 1\ndata: {"sgt":10}\n\nretry: 2500\nevent: flow\r\ndata: {"a":\r\ndata: 1}\r\n\r\n' +
  'data: plain\n\nevent: ping\n\n';

describe('SseParser', () => {
  test('events, comments, ids, retry and multi-line data', () => {
    const p = new SseParser();
    expect(p.push(STREAM)).toEqual([
      { event: 'flow', data: '{"sgt":10}', id: '1' },
      { event: 'flow', data: '{"a":\n1}' },
      { event: 'message', data: 'plain' },
    ]);
    expect(p.lastEventId).toBe('1');
    expect(p.retryMs).toBe(2500);
  });

  test('the same events when the stream arrives one character at a time', () => {
    const whole = new SseParser().push(STREAM);
    const p = new SseParser();
    const events = [...STREAM].flatMap((ch) => p.push(ch));
    expect(events).toEqual(whole);
  });

  test('a CRLF split across chunks is one line end', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r')).toEqual([{ event: 'message', data: 'a' }]);
    expect(p.push('\n')).toEqual([]);
  });

  test('an unfinished event waits for its blank line', () => {
    const p = new SseParser();
    expect(p.push('event: flow\ndata: {}\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'flow', data: '{}' }]);
  });
});

test('reset drops a half-received event but keeps the last id', () => {
  const p = new SseParser();
  p.push('id: 7\ndata: a\n\nevent: flow\ndata: {"cut');
  p.reset();
  expect(p.push('data: b\n\n')).toEqual([{ event: 'message', data: 'b' }]);
  expect(p.lastEventId).toBe('7');
});

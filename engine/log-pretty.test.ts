import { describe, expect, test } from 'bun:test';
import pino from 'pino';
import { resolveLogFormat } from './log.ts';
import { fieldValue, prettyDestination, prettyLine } from './log-pretty.ts';

const plain = { colour: false };

/** What a logger configured like createLogger's writes, through the readable destination. */
function capture(log: (l: pino.Logger) => void, colour = false): string {
  const lines: string[] = [];
  const logger = pino(
    {
      base: { service: 'scopilot', role: 'all' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['*.apiKey', '*.token', '*.password', 'authorization'], censor: '[redacted]' },
    },
    prettyDestination({ write: (t) => lines.push(t) }, { colour }),
  );
  log(logger);
  return lines.join('');
}

describe('readable log lines', () => {
  test('time, level, message, then the fields as key=value', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 'info',
        time: '2025-06-18T10:04:05.123Z',
        service: 'scopilot',
        role: 'all',
        msg: 'listening',
        url: 'http://127.0.0.1:8000',
        tenants: 2,
      }),
      plain,
    );
    expect(line).toBe('10:04:05.123 INFO  listening role=all url=http://127.0.0.1:8000 tenants=2\n');
  });

  test('a value with spaces is quoted, an object is JSON, numeric levels are named', () => {
    const line = prettyLine(
      JSON.stringify({ level: 40, time: 0, msg: 'm', why: 'two words', o: { a: 1 } }),
      plain,
    );
    expect(line).toBe('00:00:00.000 WARN  m why="two words" o={"a":1}\n');
  });

  test('an error prints its stack indented under the line', () => {
    const out = capture((l) => l.error({ err: new Error('disk full') }, 'write failed'));
    const [head, first, second] = out.split('\n');
    expect(head).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR write failed role=all$/);
    expect(first).toBe('    Error: disk full');
    expect(second).toStartWith('        at ');
  });

  test('secrets stay redacted as in JSON', () => {
    const out = capture((l) =>
      l.info({ ise: { password: 'hunter2', user: 'ers' }, authorization: 'Bearer x' }, 'c'),
    );
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('Bearer');
    expect(out).toContain('ise={"password":"[redacted]","user":"ers"}');
    expect(out).toContain('authorization="[redacted]"');
  });

  test('text from the network cannot forge a line or drive the terminal', () => {
    const out = capture((l) =>
      l.warn({ line: 'x\n10:00:00.000 INFO  forged\u001b[2J', o: { s: '\u009b31m' } }, 'bad\r\nline'),
    );
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    for (const c of ['\u001b', '\u009b', '\r']) expect(out).not.toContain(c);
    expect(out).toContain('bad\\r\\nline');
    expect(out).toContain('line="x\\n10:00:00.000 INFO  forged\\u001b[2J"');
    expect(out).toContain('o={"s":"\\u009b31m"}');
    expect(fieldValue('say "hi"')).toBe('"say \\"hi\\""');
  });

  test('colour paints the level only when asked', () => {
    expect(capture((l) => l.info('hello'), true)).toContain('\u001b[32mINFO \u001b[0m hello');
    expect(capture((l) => l.info('hello'), false)).not.toContain('\u001b');
  });

  test('a line that is not JSON passes through', () => {
    expect(prettyLine('plain text', plain)).toBe('plain text\n');
  });

  test('auto is readable lines on a terminal and JSON elsewhere; the setting forces either', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});

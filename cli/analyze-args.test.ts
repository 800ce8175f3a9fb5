import { describe, expect, test } from 'bun:test';
import { parseAnalyzeArgs } from './analyze-args.ts';
import { UsageError } from './usage.ts';

describe('analyze arguments', () => {
  test('values as --name value and --name=value, the last one winning; - and what follows -- are inputs', () => {
    expect(
      parseAnalyzeArgs([
        'a.log',
        '--format',
        'json',
        '--jobs=3',
        '-',
        '--format=csv',
        '--out',
        '-',
        '--',
        '--x',
      ]),
    ).toEqual({ values: { format: 'csv', jobs: '3', out: '-' }, positionals: ['a.log', '-', '--x'] });
  });

  test('an unknown option or a missing value is bad usage', () => {
    for (const args of [['--bogus'], ['-x'], ['--format'], ['--format', '--jobs', '2'], ['--nope=1']]) {
      expect(() => parseAnalyzeArgs(args)).toThrow(UsageError);
    }
    expect(parseAnalyzeArgs(['--since=-1h']).values.since).toBe('-1h');
  });
});

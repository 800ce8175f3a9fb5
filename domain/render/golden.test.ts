/**
 * Golden tests: the fixed analysis in test/fixtures/golden/input.ts rendered
 * in every format and compared byte for byte. `UPDATE_GOLDEN=1` rewrites the
 * files; read the diff before committing it.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { goldenInput } from '../../test/fixtures/golden/input.ts';
import { OutputFormat, render } from './mod.ts';

const DIR = fileURLToPath(new URL('../../test/fixtures/golden/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const FILES: Record<OutputFormat, string> = {
  markdown: 'analysis.md',
  csv: 'analysis.csv',
  json: 'analysis.json',
  ios: 'analysis.ios',
  ise: 'analysis.ise.json',
};

describe('golden output', () => {
  for (const format of Object.values(OutputFormat)) {
    test(`${format} matches ${FILES[format]}`, () => {
      const path = DIR + FILES[format];
      const out = render(format, goldenInput());
      if (UPDATE) writeFileSync(path, out);
      expect(out).toBe(readFileSync(path, 'utf8'));
    });
  }

  test('rendering is deterministic', () => {
    for (const format of Object.values(OutputFormat)) {
      expect(render(format, goldenInput())).toBe(render(format, goldenInput()));
    }
  });
});

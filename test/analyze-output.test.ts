/**
 * What `scopilot analyze` prints, byte for byte, is what the domain gives in
 * one process: the sequential read, heuristic classification, contracts and
 * render() of domain/render/mod.ts. The command loads only the renderer its
 * format needs and skips the settings, so this holds that lazy loading to the
 * one full pipeline, in every format, with a dictionary of names and classes
 * and without one. Only the classification time (the run's own clock) differs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_REFERENCE_MS, corpusLines, emptyTruth } from '../bench/support/corpus.ts';
import { readSources } from '../cli/analyze-read.ts';
import { cleanEnv } from '../cli/client/testing.ts';
import { openSource } from '../cli/input.ts';
import { classifyFlows } from '../domain/classify/classifier.ts';
import { buildContracts } from '../domain/contracts.ts';
import { OutputFormat, render } from '../domain/render/mod.ts';
import { parseSgtClasses, parseSgtDictionary } from '../domain/sgt.ts';

const BIN = join(import.meta.dir, '../cli/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'scopilot-analyze-output-'));
const corpus = join(dir, 'small.log');
const dictionary = join(dir, 'sgt.csv');

beforeAll(() => {
  writeFileSync(corpus, `${[...corpusLines(800, emptyTruth(), 5)].join('\n')}\n`);
  utimesSync(corpus, new Date(CORPUS_REFERENCE_MS), new Date(CORPUS_REFERENCE_MS));
  writeFileSync(
    dictionary,
    'id,name,class\n0,Internet,external\n2,Guests,\n6,Cardholder,pci\n7,Line3,ot.plc\n10,Employees,\n' +
      '11,Floor2,iot.printer\n12,Mail_Relay,\n16,SQL_DB,\n17,Domain_Controllers,\n200,Backend,server.app\n',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The classification time is the run's clock; everything else must match. */
const CLASSIFIED_AT = /"at": "[^"]+"/g;
const timeless = (text: string): string => text.replace(CLASSIFIED_AT, '"at": "…"');

async function inProcess(format: OutputFormat, sgt: string | undefined): Promise<string> {
  const text = sgt === undefined ? '{}' : readFileSync(sgt, 'utf8');
  const sgtNames = parseSgtDictionary(text);
  const { flows, stats } = await readSources([openSource(corpus)], { jobs: 1 });
  const { classifications } = await classifyFlows(flows, {
    sgtNames,
    sgtClasses: new Map(sgt === undefined ? [] : parseSgtClasses(text)),
    mode: 'heuristic',
    nowMs: Date.now(),
  });
  const contracts = buildContracts(flows, classifications, sgtNames);
  const out = render(format, { flows, classifications, contracts, stats, sgtNames }, { mode: 'monitor' });
  return out.endsWith('\n') ? out : `${out}\n`;
}

function command(format: OutputFormat, sgt: string | undefined): string {
  const p = Bun.spawnSync(
    [BIN, 'analyze', corpus, '--format', format, '--classifier', 'heuristic', ...(sgt ? ['--sgt', sgt] : [])],
    { env: cleanEnv(), stdout: 'pipe', stderr: 'pipe' },
  );
  expect({ code: p.exitCode, stderr: p.exitCode === 0 ? '' : p.stderr.toString() }).toEqual({
    code: 0,
    stderr: '',
  });
  return p.stdout.toString();
}

describe('analyze output equals the in-process pipeline', () => {
  for (const sgt of [undefined, 'a'])
    for (const format of Object.values(OutputFormat)) {
      test(`${format}, ${sgt ?? 'no'} dictionary`, async () => {
        const path = sgt === undefined ? undefined : dictionary;
        const printed = command(format, path);
        expect(printed.length).toBeGreaterThan(1000);
        expect(timeless(printed)).toBe(timeless(await inProcess(format, path)));
      });
    }
});

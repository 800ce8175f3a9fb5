/**
 * `scopilot analyze FILE…`: the offline half of the product. Syslog in (files,
 * gzip or stdin, any size, bounded memory, every core), contract matrix out,
 * with no server and no NATS. The summary goes to stderr so stdout stays the
 * matrix. It loads domain modules only: settings and the model's client are
 * loaded when the classifier may call the model.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { AnalysisStats } from '../domain/analysis.ts';
import type { TagClass } from '../domain/classify/classes.ts';
import { type ClassifierMode, type ClassifyStats, classifyFlows } from '../domain/classify/classifier.ts';
import { MemoryClassificationCache } from '../domain/classify/memory-cache.ts';
import { buildContracts } from '../domain/contracts.ts';
import { isOutputFormat, OutputFormat } from '../domain/render/formats.ts';
import type { RenderInput, RenderOptions } from '../domain/render/input.ts';
import {
  missingTags,
  parseSgtClasses,
  parseSgtDictionary,
  SgtDictionaryError,
  sgtName,
} from '../domain/sgt.ts';
import type { SgtDictionary } from '../domain/types.ts';
import { parseAnalyzeArgs } from './analyze-args.ts';
import { readSources } from './analyze-read.ts';
import { openSource, type Source } from './input.ts';
import { Progress } from './progress.ts';
import { parseTime } from './time.ts';
import { ExitCode, Usage, UsageError } from './usage.ts';

const CLASSIFIERS: readonly ClassifierMode[] = ['auto', 'heuristic', 'claude'];
/** The classification cache's window when no settings are read (heuristics use no cache). */
const DEFAULT_CACHE_DAYS = 7;
/** Plain input from which two or three cores are all used (see defaultJobs). */
const PARALLEL_FROM_BYTES = 1.5 * 1024 ** 3;
/**
 * Threads when --jobs is not given. Each worker is a JavaScript VM of its own
 * that compiles the parser again and warms up on its first lines, and the
 * compiler threads of two VMs compete with the two parsers for the cores. On
 * two cores (medians of `farm-bench`, whole process) a second thread lost at 1M
 * lines (1.2 s against 0.8 s) and at 3M (1.68 s against 1.51 s), and won at
 * 10M (3.7 s against 5.4 s): below four cores, plain files of
 * PARALLEL_FROM_BYTES or more in all take every core, anything else one.
 * A stream (gzip, stdin) on two cores was slower on two threads too (1M lines
 * gzipped: 1.6 s against 1.2 s), so it takes one below four cores.
 */
const defaultJobs = (cores: number, plainBytes: number): number =>
  cores >= 4 || plainBytes >= PARALLEL_FROM_BYTES ? cores : 1;
/** Inputs from this size (or a stream) get a progress bar on a terminal. */
const PROGRESS_FROM = 16 * 1024 * 1024;

export const ANALYZE_USAGE = Usage.analyze;

type Renderer = (input: RenderInput, options: RenderOptions) => string;

/** The format's own renderer (what render() in domain/render/mod.ts calls): the others stay unloaded. */
async function rendererFor(format: OutputFormat): Promise<Renderer> {
  switch (format) {
    case OutputFormat.Markdown:
      return (await import('../domain/render/markdown.ts')).renderMarkdown;
    case OutputFormat.Csv:
      return (await import('../domain/render/csv.ts')).renderCsv;
    case OutputFormat.Json:
      return (await import('../domain/render/json.ts')).renderJson;
    case OutputFormat.Ios:
      return (await import('../domain/render/ios.ts')).renderIos;
    case OutputFormat.Ise:
      return (await import('../domain/render/ise.ts')).renderIse;
  }
}

/** Explicit classes the dictionary file sets (a class column, or class= in descriptions). */
const dictionaryClasses = new Map<number, TagClass>();

async function loadDictionary(path: string | undefined): Promise<SgtDictionary> {
  if (path === undefined) return parseSgtDictionary('{}');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the SGT dictionary ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
  try {
    for (const [tag, cls] of parseSgtClasses(text)) dictionaryClasses.set(tag, cls);
    return parseSgtDictionary(text);
  } catch (error) {
    if (error instanceof SgtDictionaryError) throw new UsageError(`SGT dictionary ${path}: ${error.message}`);
    throw error;
  }
}

/**
 * `1234567` → `1,234,567`, as toLocaleString('en-US') writes a count: its
 * first call loads the locale data, a few ms of a small run.
 */
export const thousands = (x: number): string => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function summary(
  stats: AnalysisStats,
  flows: number,
  missing: number[],
  sgt: SgtDictionary,
  c: ClassifyStats,
): string {
  const n = thousands;
  const lines = [
    `lines read        ${n(stats.linesRead)}`,
    `SGACLHIT events   ${n(stats.events)} (${n(stats.hits)} hits)`,
    `other syslog      ${n(stats.notSgaclHit)}`,
  ];
  if (stats.outsideWindow > 0) lines.push(`outside window    ${n(stats.outsideWindow)}`);
  lines.push(`rejected          ${n(stats.rejectedTotal)}`);
  for (const [reason, r] of Object.entries(stats.rejected)) {
    lines.push(`  ${reason.padEnd(16)}${n(r.count)} (first at line ${n(r.firstLine)})`);
  }
  lines.push(`flows             ${n(flows)}`);
  const bySource = Object.entries(c.bySource).filter(([, v]) => v > 0);
  lines.push(`classified by     ${bySource.map(([k, v]) => `${k} ${n(v)}`).join(', ') || '-'}`);
  if (c.modelCalls > 0 || c.fallbacks > 0)
    lines.push(`model calls       ${n(c.modelCalls)} (${n(c.fallbacks)} flows fell back to heuristics)`);
  if (missing.length > 0) {
    lines.push(
      `missing SGTs      ${missing.length}: ${missing
        .slice(0, 20)
        .map((t) => `${t} (${sgtName(sgt, t)})`)
        .join(', ')}${missing.length > 20 ? ', …' : ''}`,
    );
  }
  return lines.join('\n');
}

export async function runAnalyze(args: string[]): Promise<number> {
  const { values: given, positionals } = parseAnalyzeArgs(args);
  const values = {
    ...given,
    format: given.format ?? 'markdown',
    classifier: given.classifier ?? 'auto',
    mode: given.mode ?? 'monitor',
  };
  if (positionals.length === 0) throw new UsageError(`no input; usage: ${ANALYZE_USAGE}`);
  if (!isOutputFormat(values.format)) throw new UsageError(`unknown --format ${values.format}`);
  const mode = values.classifier as ClassifierMode;
  if (!CLASSIFIERS.includes(mode)) throw new UsageError(`unknown --classifier ${values.classifier}`);
  if (values.mode !== 'monitor' && values.mode !== 'enforce')
    throw new UsageError(`unknown --mode ${values.mode}`);
  const now = Date.now();
  const sinceMs = values.since === undefined ? undefined : parseTime(values.since, now, '--since');
  const untilMs = values.until === undefined ? undefined : parseTime(values.until, now, '--until');
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs)
    throw new UsageError('--since is after --until');
  const askedJobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (askedJobs !== undefined && (!Number.isInteger(askedJobs) || askedJobs < 1 || askedJobs > 256))
    throw new UsageError(`--jobs ${values.jobs}: a whole number of threads from 1 to 256`);
  // Heuristics need no settings: only a classifier that may call the model reads them.
  const config = mode === 'heuristic' ? undefined : (await import('../config/mod.ts')).loadConfig();
  const apiKey = config?.anthropic.apiKey;
  if (mode === 'claude' && apiKey === undefined) {
    throw new UsageError('--classifier claude needs SCOPILOT_ANTHROPIC__API_KEY');
  }
  const sgtNames = await loadDictionary(values.sgt);
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('stdin (-) can be read once');
  const sources: Source[] = positionals.map(openSource);
  const plainBytes = sources.reduce((sum, s) => sum + (s.path === null ? 0 : (s.size ?? 0)), 0);
  const jobs = askedJobs ?? defaultJobs(availableParallelism(), plainBytes);

  let lines = 0;
  // A small file is read before a bar could draw; not asking whether stderr is a
  // terminal spares loading the stream modules behind process.stderr.
  const long = sources.some((s) => s.path === null || (s.size ?? 0) >= PROGRESS_FROM);
  const progress = new Progress(sources, () => lines, long && process.stderr.isTTY === true);
  let result: Awaited<ReturnType<typeof readSources>>;
  try {
    result = await readSources(sources, {
      jobs,
      ...(sinceMs === undefined ? {} : { sinceMs }),
      ...(untilMs === undefined ? {} : { untilMs }),
      onLines: (n) => (lines = n),
    });
  } finally {
    progress.stop();
  }
  const { flows, stats } = result;

  const llm =
    config !== undefined && apiKey !== undefined
      ? new (await import('../integrations/anthropic/client.ts')).AnthropicClassifier({
          apiKey,
          model: config.anthropic.model,
          baseURL: config.anthropic.baseUrl,
        })
      : undefined;
  const classified = await classifyFlows(flows, {
    sgtNames,
    sgtClasses: dictionaryClasses,
    mode,
    nowMs: now,
    cache: new MemoryClassificationCache(),
    cacheDays: config?.sched.classificationCacheDays ?? DEFAULT_CACHE_DAYS,
    ...(llm === undefined ? {} : { llm }),
  });
  const contracts = buildContracts(flows, classified.classifications, sgtNames);
  const render = await rendererFor(values.format as OutputFormat);
  const output = render(
    {
      flows,
      classifications: classified.classifications,
      contracts,
      stats,
      sgtNames,
    },
    { mode: values.mode },
  );
  // Bun.write resolves once every byte is out: the process exits right after.
  if (values.out === undefined) await Bun.write(Bun.stdout, output.endsWith('\n') ? output : `${output}\n`);
  else await Bun.write(values.out, output);
  const missing = missingTags(sgtNames, stats.tagsSeen);
  console.error(summary(stats, flows.length, missing, sgtNames, classified.stats));
  return ExitCode.Ok;
}

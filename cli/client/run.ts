/**
 * `scopilot run start|show|matrix`: server-side analyses of a syslog file
 * (`/api/v1/runs`). The file streams as the request body, never read into
 * memory; gzip is recognised by its magic bytes and sent as application/gzip.
 */
import { open } from 'node:fs/promises';
import { ClassifierMode } from '../../domain/classify/classifier.ts';
import { OutputFormat } from '../../domain/render/mod.ts';
import { parseTime } from '../time.ts';
import { UsageError } from '../usage.ts';
import { group, JSON_FLAG, oneOf, parse, seg } from './args.ts';
import { fields, isRecord, num, out, printJson, when } from './output.ts';

const START = 'start FILE [--since T] [--until T] [--classifier auto|heuristic|claude] [--json]';
const SHOW = 'show ID [--json]';
const MATRIX = 'matrix ID [--format markdown|csv|json|ios|ise]';
/** A big file on a slow link: the upload has no short deadline. */
const UPLOAD_TIMEOUT_MS = 60 * 60_000;
const FORMATS = Object.values(OutputFormat);
const CLASSIFIERS = Object.values(ClassifierMode);

/** Whether the file starts with the gzip magic bytes; a usage error when it cannot be read. */
async function isGzip(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  } finally {
    await handle.close();
  }
}

const count = (x: unknown): string => (Array.isArray(x) ? num(x.length) : num(x));

/** The run as people read it; the id first, so it is easy to copy. */
export function runSummary(run: Record<string, unknown>): string {
  const stats = isRecord(run.stats) ? run.stats : {};
  const pairs: [string, string][] = [
    ['run', String(run.id ?? '?')],
    ['status', String(run.status ?? '?')],
    ['created', when(run.createdAt ?? run.createdAtMs)],
  ];
  if ('linesRead' in stats) pairs.push(['lines read', num(stats.linesRead)]);
  if ('events' in stats) pairs.push(['SGACLHIT events', `${num(stats.events)} (${num(stats.hits)} hits)`]);
  if ('notSgaclHit' in stats) pairs.push(['other syslog', num(stats.notSgaclHit)]);
  if (typeof stats.outsideWindow === 'number' && stats.outsideWindow > 0)
    pairs.push(['outside window', num(stats.outsideWindow)]);
  if ('rejectedTotal' in stats) pairs.push(['rejected', num(stats.rejectedTotal)]);
  if (Array.isArray(run.sources))
    for (const src of run.sources.filter(isRecord))
      pairs.push([
        'source',
        `${String(src.name ?? '-')} (${num(src.bytes)} bytes${src.gzip ? ', gzip' : ''})`,
      ]);
  if (run.flows !== undefined) pairs.push(['flows', count(run.flows)]);
  if (run.contracts !== undefined) pairs.push(['contracts', count(run.contracts)]);
  const missing = Array.isArray(run.missingSgts) ? run.missingSgts : [];
  if (missing.length > 0)
    pairs.push([
      'missing SGTs',
      `${missing.length}: ${missing
        .slice(0, 20)
        .map((m) => String(isRecord(m) ? m.tag : m))
        .join(', ')}${missing.length > 20 ? ', …' : ''}`,
    ]);
  if (run.truncated === true)
    pairs.push(['stored', 'the busiest flows only (the run was too large to keep whole)']);
  if (typeof run.error === 'string') pairs.push(['error', run.error]);
  return fields(pairs);
}

export const runCommand = group('run', {
  start: {
    usage: START,
    async run(args, client) {
      const { values, positionals } = parse(
        args,
        {
          ...JSON_FLAG,
          since: { type: 'string' },
          until: { type: 'string' },
          classifier: { type: 'string' },
        },
        ['FILE'],
        `run ${START}`,
      );
      const now = Date.now();
      const iso = (text: string | undefined, flag: string) =>
        text === undefined ? undefined : new Date(parseTime(text, now, flag)).toISOString();
      const since = iso(values.since, '--since');
      const until = iso(values.until, '--until');
      if (since !== undefined && until !== undefined && since > until)
        throw new UsageError('--since is after --until');
      const classifier =
        values.classifier === undefined ? undefined : oneOf(values.classifier, CLASSIFIERS, '--classifier');
      const path = positionals[0]!;
      const gzip = await isGzip(path);
      const body = await client().json<unknown>('POST', '/api/v1/runs', {
        query: { since, until, classifier },
        body: Bun.file(path),
        contentType: gzip ? 'application/gzip' : 'text/plain; charset=utf-8',
        timeoutMs: UPLOAD_TIMEOUT_MS,
      });
      if (values.json) await printJson(body);
      else await out(runSummary(isRecord(body) ? body : {}));
      return 0;
    },
  },
  show: {
    usage: SHOW,
    async run(args, client) {
      const { values, positionals } = parse(args, JSON_FLAG, ['ID'], `run ${SHOW}`);
      const body = await client().get<unknown>(`/api/v1/runs/${seg(positionals[0]!)}`);
      if (values.json) await printJson(body);
      else await out(runSummary(isRecord(body) ? body : {}));
      return 0;
    },
  },
  matrix: {
    usage: MATRIX,
    async run(args, client) {
      const { values, positionals } = parse(
        args,
        { format: { type: 'string', default: 'markdown' } },
        ['ID'],
        `run ${MATRIX}`,
      );
      const format = oneOf(values.format, FORMATS, '--format');
      await out(await client().text(`/api/v1/runs/${seg(positionals[0]!)}/matrix`, { format }));
      return 0;
    },
  },
});

/**
 * `scopilot status`: the morning question at a glance — readiness now and
 * over the last 7 days, coverage, open proposals by category, the top
 * blockers of a deny default, the live matrix version and, with ISE
 * configured, its push and drift state. A handful of reads in parallel, each
 * cheap: the readiness snapshot, the hour rollups, the proposal summary, the
 * ISE state (kept by the product, ISE itself is not asked) and the tag names.
 */
import { TENANT_ID } from '../../streams/tenant.ts';
import { UsageError } from '../usage.ts';
import { type Group, oneOf, parse } from './args.ts';
import { ApiClient, ApiError } from './http.ts';
import { sgtNames } from './names.ts';
import { colour, out, printJson } from './output.ts';
import { NO_PAINT, type Paint, statusData, statusText, trendWindow } from './status-text.ts';

const USAGE = 'status [--tenant T] [--format text|json] [--json]';
const FORMATS = ['text', 'json'] as const;

const PAINT: Paint = {
  bold: (t) => `\x1b[1m${t}\x1b[22m`,
  red: (t) => `\x1b[31m${t}\x1b[39m`,
  dim: (t) => `\x1b[2m${t}\x1b[22m`,
};

async function runStatus(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { tenant: { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean', default: false } },
    [],
    USAGE,
  );
  const format = values.json ? 'json' : oneOf(values.format ?? 'text', FORMATS, 'format');
  if (values.json && values.format !== undefined && values.format !== 'json')
    throw new UsageError(`--json and --format ${values.format} disagree; usage: scopilot ${USAGE}`);
  const wanted = values.tenant;
  if (wanted !== undefined && !TENANT_ID.test(wanted))
    throw new UsageError(`--tenant ${JSON.stringify(wanted)} is not a tenant id ([a-z0-9][a-z0-9-]{0,62})`);

  const client = new ApiClient();
  const nowMs = Date.now();
  const { from, to } = trendWindow(nowMs);
  const [readiness, history, proposals, ise, names] = await Promise.all([
    client.get<unknown>('/api/v1/matrix/readiness'),
    client.get<unknown>('/api/v1/metrics/history', {
      resolution: 'hour',
      from: String(from),
      to: String(to),
    }),
    client.get<unknown>('/api/v1/proposals/summary'),
    // ISE's state is a footnote here: a failure to read it never hides the rest.
    client.get<unknown>('/api/v1/ise/status').catch((error: unknown) => {
      if (error instanceof ApiError && error.status !== 0 && error.status !== 401) return null;
      throw error;
    }),
    sgtNames(client),
  ]);
  const data = statusData({ nowMs, readiness, history, proposals, ise, names });
  // The token decides the tenant (the API never takes one from the caller): say so rather than show another's.
  if (wanted !== undefined && data.tenant !== wanted)
    throw new UsageError(
      `SCOPILOT_API_TOKEN is a token of tenant ${String(data.tenant)}, not ${wanted}: use a token of ${wanted}`,
    );
  if (format === 'json') await printJson(data);
  else await out(statusText(data, colour() ? PAINT : NO_PAINT));
  return 0;
}

export const statusCommand: Group = { name: 'status', help: [`scopilot ${USAGE}`], run: runStatus };

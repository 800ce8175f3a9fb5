/**
 * `scopilot quota show|redrive`: the token's tenant's quotas and what it uses of them
 * (`GET /api/v1/quotas`), and replaying the new flows the flows quota refused once it has been
 * raised (`POST /api/v1/quotas/flows/redrive`, admin). The tenant is the token's: the API never
 * takes one from the caller.
 */
import { UsageError } from '../usage.ts';
import { type Group, group, oneOf, parse } from './args.ts';
import { fields, isRecord, num, out, printJson, table } from './output.ts';

const SHOW = 'show [--format text|json] [--json]';
const REDRIVE = 'redrive [--format text|json] [--json]';
const FORMATS = ['text', 'json'] as const;
const FORMAT_FLAGS = { format: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

function formatOf(args: string[], usage: string): 'text' | 'json' {
  const { values } = parse(args, FORMAT_FLAGS, [], usage);
  if (values.json && values.format !== undefined && values.format !== 'json')
    throw new UsageError(`--json and --format ${values.format} disagree; usage: scopilot ${usage}`);
  return values.json ? 'json' : oneOf(values.format ?? 'text', FORMATS, 'format');
}

const rec = (x: unknown): Record<string, unknown> => (isRecord(x) ? x : {});
const limit = (x: unknown): string => (x === 0 ? 'no limit' : num(x));
const plural = (n: unknown, one: string, many: string): string => `${num(n)} ${n === 1 ? one : many}`;

/** The quotas for people: one row per quota, with what is used of it where the product knows. */
export function quotasText(body: unknown): string {
  const b = rec(body);
  const q = rec(b.quotas);
  const u = rec(b.usage);
  const refused = typeof u.refusedFlows === 'number' ? u.refusedFlows : 0;
  const flowNotes =
    refused > 0
      ? `${plural(refused, 'new flow', 'new flows')}${u.refusedFlowsMore === true ? ' or more' : ''} refused, waiting for \`scopilot quota redrive\``
      : '';
  const held = typeof u.heldFlows === 'number' ? u.heldFlows : 0;
  const openNotes = held > 0 ? `${plural(held, 'flow', 'flows')} held back until proposals are decided` : '';
  const rows = [
    ['lines per second', limit(q.linesPerSecond), '-', ''],
    ['distinct flows', limit(q.flows), num(u.flows), flowNotes],
    ['open proposals', limit(q.openProposals), num(u.openProposals), openNotes],
    ['LLM calls per hour', limit(q.llmCallsPerHour), '-', ''],
  ];
  return [
    fields([['tenant', String(b.tenant ?? '-')]]),
    table(['QUOTA', 'LIMIT', 'USED', 'NOTE'], rows, ['left', 'right', 'right']),
    'Held back per quota since each process started: scopilot_quota_throttled_total in /metrics.',
  ].join('\n\n');
}

export function redriveText(body: unknown): string {
  const b = rec(body);
  const sent = `${plural(b.sent, 'refused flow', 'refused flows')} of tenant ${String(b.tenant ?? '-')} sent again`;
  const other =
    typeof b.other === 'number' && b.other > 0
      ? `; ${plural(b.other, 'other dead letter', 'other dead letters')} left alone`
      : '';
  return `${sent}${other}. One refused again (the quota still too low) waits for the next redrive.`;
}

const quotaGroup = group('quota', {
  show: {
    usage: SHOW,
    async run(args, client) {
      const format = formatOf(args, `quota ${SHOW}`);
      const body = await client().get<unknown>('/api/v1/quotas');
      if (format === 'json') await printJson(body);
      else await out(quotasText(body));
      return 0;
    },
  },
  redrive: {
    usage: REDRIVE,
    async run(args, client) {
      const format = formatOf(args, `quota ${REDRIVE}`);
      const body = await client().json<unknown>('POST', '/api/v1/quotas/flows/redrive', { json: {} });
      if (format === 'json') await printJson(body);
      else await out(redriveText(body));
      return 0;
    },
  },
});

/** `scopilot quota` alone shows, as the question asked most. */
export const quotaCommand: Group = {
  ...quotaGroup,
  run: (args) => quotaGroup.run(args.length === 0 ? ['show'] : args),
};

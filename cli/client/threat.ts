/**
 * `scopilot threat lookup IP`: what threat intelligence says about one
 * address, over `/api/v1/threat-intel/{ip}` — each provider's answer, whether
 * it came from the cache, and the decision.
 */
import { UsageError } from '../usage.ts';
import { group, JSON_FLAG, parse } from './args.ts';
import { fields, isRecord, out, printJson, table, when } from './output.ts';

const LOOKUP = 'lookup IP [--json]';

const text = (x: unknown): string => (typeof x === 'string' ? x : '');

/**
 * The decision in words. "Not known to be malicious" needs at least one
 * provider that answered; with none configured, or none answering, the
 * address was not checked, and saying otherwise would reassure falsely.
 */
export function verdictText(a: Record<string, unknown>): string {
  const verdicts = Array.isArray(a.verdicts) ? a.verdicts.filter(isRecord) : [];
  if (a.skipped === 'not_public') return 'not checked: not a publicly routable address';
  if (a.malicious === true) return 'MALICIOUS';
  if (verdicts.length === 0)
    return 'not checked: no threat intelligence provider is configured (SCOPILOT_THREAT__*)';
  if (verdicts.every((p) => p.outcome === 'no_answer')) return 'not checked: no provider answered';
  return 'not known to be malicious';
}

/** The assessment for people: the decision first, then one row per provider. */
export function assessmentText(a: Record<string, unknown>): string {
  const verdict = verdictText(a);
  const reasons = Array.isArray(a.reasons) ? a.reasons.map(text).filter(Boolean) : [];
  const rows = (Array.isArray(a.verdicts) ? a.verdicts.filter(isRecord) : []).map((p) => [
    text(p.provider),
    text(p.outcome).replace('_', ' '),
    typeof p.score === 'number' ? String(p.score) : '',
    Array.isArray(p.categories) ? p.categories.map(text).join(', ') : '',
    p.cached === true ? 'cached' : 'asked',
    (text(p.detail) || text(p.reason).replace('_', ' ')).slice(0, 60),
  ]);
  const parts = [
    fields([
      ['address', text(a.ip)],
      ['verdict', verdict],
      ...(reasons.length > 0 ? [['because', reasons.join('; ')] as [string, string]] : []),
      ['checked', when(a.checkedAtMs)],
    ]),
  ];
  if (rows.length > 0) {
    parts.push(
      table(['PROVIDER', 'ANSWER', 'SCORE', 'CATEGORIES', 'SOURCE', 'DETAIL'], rows, [
        'left',
        'left',
        'right',
      ]),
    );
  }
  return parts.join('\n\n');
}

export const threatCommand = group('threat', {
  lookup: {
    usage: LOOKUP,
    async run(args, client) {
      const { values, positionals } = parse(args, JSON_FLAG, ['IP'], `threat ${LOOKUP}`);
      const ip = positionals[0]!.trim();
      if (!/^[0-9a-fA-F:.]{2,64}$/.test(ip))
        throw new UsageError(`IP must be an IPv4 or IPv6 address, not ${JSON.stringify(ip)}`);
      const body = await client().get<unknown>(`/api/v1/threat-intel/${encodeURIComponent(ip)}`);
      if (values.json) await printJson(body);
      else await out(isRecord(body) ? assessmentText(body) : JSON.stringify(body));
      return 0;
    },
  },
});

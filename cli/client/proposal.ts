/**
 * `scopilot proposal list|show|approve|reject|decide`: the changes waiting for a
 * person (`/api/v1/proposals`), with their evidence; approving one makes the
 * next matrix version.
 */
import { ProposalStatus } from '../../domain/proposal.ts';
import { group, integer, JSON_FLAG, oneOf, parse, required, seg } from './args.ts';
import { cellDiffText } from './cells-text.ts';
import { sgtNames } from './names.ts';
import {
  ace,
  aces,
  cell,
  fields,
  isRecord,
  listOf,
  num,
  out,
  pair,
  printJson,
  type SgtNames,
  table,
  when,
} from './output.ts';
import { decideSubcommand } from './proposal-decide.ts';

/** `open` is pending or notified: what awaits a decision, as the dashboard's filter names it. */
const STATUSES = ['open', ...Object.values(ProposalStatus)];
const OPEN: readonly string[] = [ProposalStatus.Pending, ProposalStatus.Notified];
const LIST = `list [--status ${STATUSES.join('|')}[,…]] [--limit N] [--json]`;
const SHOW = 'show ID [--json]';
const APPROVE = 'approve ID [--reason TEXT] [--json]';
const REJECT = 'reject ID --reason TEXT [--json]';

const hitsOf = (p: Record<string, unknown>): number =>
  Array.isArray(p.aces)
    ? p.aces.reduce<number>((sum, a) => sum + (isRecord(a) && typeof a.hits === 'number' ? a.hits : 0), 0)
    : 0;

function listTable(rows: Record<string, unknown>[], names: SgtNames): string {
  return table(
    ['ID', 'SGT → DGT', 'STATUS', 'HITS', 'FLAGS', 'CREATED', 'EXPIRES', 'ACES'],
    rows.map((p) => [
      String(p.id ?? '?'),
      pair(p.sgt, p.dgt, names),
      String(p.status ?? '?'),
      num(hitsOf(p)),
      [p.urgent === true ? 'URGENT' : '', p.rare === true ? 'rare' : ''].filter(Boolean).join(' '),
      when(p.createdAtMs),
      when(p.expiresAtMs),
      aces(p.aces),
    ]),
    ['left', 'left', 'left', 'right'],
  );
}

export function proposalDetail(p: Record<string, unknown>, names?: SgtNames): string {
  const parts = [
    fields([
      ['proposal', String(p.id ?? '?')],
      ['pair', pair(p.sgt, p.dgt, names)],
      ['status', String(p.status ?? '?')],
      ['rare', p.rare === true ? 'yes (seen on few days)' : 'no'],
      ...(p.urgent === true
        ? [['urgent', 'yes: traffic to a malicious destination'] as [string, string]]
        : []),
      ['created', `${when(p.createdAtMs)}${typeof p.createdBy === 'string' ? ` by ${p.createdBy}` : ''}`],
      ['expires', when(p.expiresAtMs)],
      ...(typeof p.appliedVersion === 'number'
        ? [['matrix version', String(p.appliedVersion)] as [string, string]]
        : []),
      ...(typeof p.failure === 'string' ? [['failure', p.failure] as [string, string]] : []),
    ]),
  ];
  const aceRows = Array.isArray(p.aces) ? p.aces.filter(isRecord) : [];
  if (aceRows.length > 0) {
    parts.push(
      table(
        ['ACE', 'HITS', 'CATEGORY', 'RISK', 'RATIONALE'],
        aceRows.map((a) => {
          const d = isRecord(a.decision) ? a.decision : {};
          return [
            ace(a),
            num(a.hits),
            cell(d.needsReview === true ? 'needs_review' : d.category),
            cell(d.risk),
            cell(d.rationale, 70),
          ];
        }),
        ['left', 'right'],
      ),
    );
  }
  const trail = Array.isArray(p.threat) ? p.threat.filter(isRecord) : [];
  if (trail.length > 0) {
    parts.push(
      table(
        ['DESTINATION', 'PROVIDER', 'VERDICT', 'SCORE', 'CATEGORIES', 'DETAIL'],
        trail.map((t) => [
          cell(t.ip),
          cell(t.provider),
          t.malicious === true ? 'malicious' : 'not malicious',
          typeof t.score === 'number' ? num(t.score) : '',
          Array.isArray(t.categories) ? t.categories.join(', ') : '',
          cell(t.reason, 50),
        ]),
        ['left', 'left', 'left', 'right'],
      ),
    );
  }
  const evidence = Array.isArray(p.evidence) ? p.evidence.filter(isRecord) : [];
  if (evidence.length > 0) {
    parts.push(
      table(
        ['FLOW', 'HITS', 'DAYS', 'LAST SEEN', 'CATEGORY', 'SOURCE'],
        evidence.map((e) => [
          String(e.flowId ?? '?'),
          num(e.hits),
          num(e.daysSeen),
          when(e.lastSeenMs),
          cell(e.category),
          cell(e.source),
        ]),
        ['left', 'right', 'right'],
      ),
    );
  }
  const history = Array.isArray(p.history) ? p.history.filter(isRecord) : [];
  if (history.length > 0) {
    parts.push(
      table(
        ['WHEN', 'STATUS', 'BY', 'CHANNEL', 'NOTE'],
        history.map((h) => [when(h.atMs), cell(h.status), cell(h.by), cell(h.channel), cell(h.note)]),
      ),
    );
  }
  return parts.join('\n\n');
}

export const proposalCommand = group('proposal', {
  list: {
    usage: LIST,
    async run(args, client) {
      const { values } = parse(
        args,
        { ...JSON_FLAG, status: { type: 'string' }, limit: { type: 'string' } },
        [],
        `proposal ${LIST}`,
      );
      const status =
        values.status === undefined
          ? undefined
          : values.status
              .split(',')
              .map((x) => oneOf(x.trim(), STATUSES, '--status'))
              .join(',');
      const limit =
        values.limit === undefined ? undefined : String(integer(values.limit, '--limit', 1, 1000));
      const api = client();
      const body = await api.get<unknown>('/api/v1/proposals', { status, limit });
      if (values.json) await printJson(body);
      else {
        const rows = listOf(body, 'proposals');
        const total = isRecord(body) && typeof body.total === 'number' ? body.total : rows.length;
        const more = total > rows.length ? `\n(${rows.length} of ${total}; see --limit)` : '';
        await out(
          rows.length === 0
            ? `no ${status ?? ''} proposals`.replace('  ', ' ')
            : listTable(rows, await sgtNames(api)) + more,
        );
      }
      return 0;
    },
  },
  show: {
    usage: SHOW,
    async run(args, client) {
      const { values, positionals } = parse(args, JSON_FLAG, ['ID'], `proposal ${SHOW}`);
      const api = client();
      const id = seg(positionals[0]!);
      const body = await api.get<unknown>(`/api/v1/proposals/${id}`);
      const p = isRecord(body) ? body : {};
      // Only an open proposal can still be approved: what that would change in the live matrix.
      const preview = OPEN.includes(String(p.status))
        ? await api.get<unknown>(`/api/v1/proposals/${id}/preview`)
        : null;
      if (values.json) await printJson(preview === null ? body : { ...p, preview });
      else {
        const names = await sgtNames(api);
        const shown = [proposalDetail(p, names)];
        if (preview !== null) {
          const live = isRecord(preview) ? String(preview.live ?? '?') : '?';
          shown.push(
            cellDiffText(preview, `what approving it changes (against live version ${live})`, names),
          );
        }
        await out(shown.join('\n\n'));
      }
      return 0;
    },
  },
  approve: {
    usage: APPROVE,
    async run(args, client) {
      const { values, positionals } = parse(
        args,
        { ...JSON_FLAG, reason: { type: 'string' } },
        ['ID'],
        `proposal ${APPROVE}`,
      );
      const id = positionals[0]!;
      const json = values.reason === undefined ? {} : { reason: values.reason };
      const body = await client().json<unknown>('POST', `/api/v1/proposals/${seg(id)}/approve`, { json });
      const r = isRecord(body) ? body : {};
      if (values.json) await printJson(body);
      else {
        const version = typeof r.version === 'number' ? `; the matrix is now version ${r.version}` : '';
        await out(`approved ${id}: ${String(r.status ?? 'approved')}${version}`);
      }
      return r.ok === false ? 1 : 0;
    },
  },
  reject: {
    usage: REJECT,
    async run(args, client) {
      const { values, positionals } = parse(
        args,
        { ...JSON_FLAG, reason: { type: 'string' } },
        ['ID'],
        `proposal ${REJECT}`,
      );
      const reason = required(values.reason, '--reason', `proposal ${REJECT}`);
      const id = positionals[0]!;
      const body = await client().json<unknown>('POST', `/api/v1/proposals/${seg(id)}/reject`, {
        json: { reason },
      });
      const r = isRecord(body) ? body : {};
      if (values.json) await printJson(body);
      else await out(`rejected ${id}: ${String(r.status ?? 'rejected')}`);
      return r.ok === false ? 1 : 0;
    },
  },
  decide: decideSubcommand,
});

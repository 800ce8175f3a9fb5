/**
 * `scopilot proposal decide --filter TEXT --approve|--reject [--reason TEXT]
 * [--yes] [--json]`: review in bulk. The open proposals the filter selects
 * (`GET /api/v1/proposals?status=open&filter=`, e.g. `service:infrastructure`
 * for DNS, NTP, RADIUS …) are listed; with `--yes` they are decided in one
 * request (`POST /api/v1/proposals/decide`) with the ACE fingerprints just
 * read, so a proposal that changed since is refused, not decided. Each
 * proposal's outcome is printed; the approvals make one matrix version.
 */

import type { Ace } from '../../domain/ace.ts';
import { aceFingerprint } from '../../domain/proposal.ts';
import { UsageError } from '../usage.ts';
import type { Subcommand } from './args.ts';
import { JSON_FLAG, parse, required } from './args.ts';
import { sgtNames } from './names.ts';
import { aces, isRecord, listOf, out, pair, printJson, table } from './output.ts';

export const DECIDE = 'decide --filter TEXT (--approve | --reject) [--reason TEXT] [--yes] [--json]';

export const decideSubcommand: Subcommand = {
  usage: DECIDE,
  async run(args, client) {
    const usage = `proposal ${DECIDE}`;
    const { values } = parse(
      args,
      {
        ...JSON_FLAG,
        filter: { type: 'string' },
        approve: { type: 'boolean', default: false },
        reject: { type: 'boolean', default: false },
        reason: { type: 'string' },
        yes: { type: 'boolean', default: false },
      },
      [],
      usage,
    );
    const filter = required(values.filter, '--filter', usage);
    if (values.approve === values.reject)
      throw new UsageError(`give exactly one of --approve or --reject; usage: scopilot ${usage}`);
    const action = values.approve ? 'approve' : 'reject';
    if (action === 'reject') required(values.reason, '--reason', usage);
    const api = client();
    const listed = await api.get<unknown>('/api/v1/proposals', { status: 'open', filter, limit: '500' });
    const rows = listOf(listed, 'proposals');
    if (rows.length === 0) {
      if (values.json) await printJson({ action, version: null, decided: 0, refused: 0, outcomes: [] });
      else await out(`no open proposals match ${JSON.stringify(filter)}`);
      return 0;
    }
    const names = await sgtNames(api);
    if (!values.yes) {
      await out(
        `${table(
          ['ID', 'SGT → DGT', 'ACES'],
          rows.map((p) => [String(p.id ?? '?'), pair(p.sgt, p.dgt, names), aces(p.aces)]),
        )}\n\n${rows.length} open proposals match; add --yes to ${action} them all in one decision.`,
      );
      return 0;
    }
    const proposals = rows.map((p) => ({
      id: String(p.id),
      ...(Array.isArray(p.aces) ? { aces: aceFingerprint(p.aces as Ace[]) } : {}),
    }));
    const body = await api.json<unknown>('POST', '/api/v1/proposals/decide', {
      json: { action, proposals, ...(values.reason === undefined ? {} : { reason: values.reason }) },
      timeoutMs: 90_000,
    });
    const r = isRecord(body) ? body : {};
    const outcomes = Array.isArray(r.outcomes) ? r.outcomes.filter(isRecord) : [];
    if (values.json) await printJson(body);
    else {
      const byId = new Map(rows.map((p) => [String(p.id), p]));
      await out(
        [
          table(
            ['ID', 'SGT → DGT', 'OUTCOME'],
            outcomes.map((o) => {
              const p = byId.get(String(o.id)) ?? {};
              return [
                String(o.id),
                pair(p.sgt, p.dgt, names),
                o.ok === true ? String(o.status) : `refused: ${String(o.code)} ${String(o.message ?? '')}`,
              ];
            }),
          ),
          '',
          `${String(r.decided ?? 0)} ${action === 'approve' ? 'approved' : 'rejected'}, ${String(r.refused ?? 0)} refused` +
            (typeof r.version === 'number' ? `; the matrix is now version ${r.version}` : ''),
        ].join('\n'),
      );
    }
    return Number(r.refused ?? 0) > 0 ? 1 : 0;
  },
};

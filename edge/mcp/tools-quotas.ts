/** The tenant's quotas and what it uses of them, so an assistant can tell "held back" from "broken". */
import type { QuotasView } from '../rest/quotas.ts';
import { num, table } from './render.ts';
import { args, callApi, defineTool, type Tool } from './tool.ts';

const limit = (n: number): string => (n === 0 ? 'no limit' : num(n));

export function quotasText(q: QuotasView): string {
  const u = q.usage;
  const refused = `${num(u.refusedFlows)}${u.refusedFlowsMore ? ' or more' : ''}`;
  return [
    `Quotas of tenant ${q.tenant} (0 = no limit). Usage is shown where the product counts it.`,
    table(
      ['quota', 'limit', 'used', 'held back now'],
      [
        ['lines per second', limit(q.quotas.linesPerSecond), '-', '-'],
        ['distinct flows', limit(q.quotas.flows), num(u.flows), `${refused} new flows refused, to redrive`],
        [
          'open proposals',
          limit(q.quotas.openProposals),
          num(u.openProposals),
          `${num(u.heldFlows)} flows held`,
        ],
        ['LLM calls per hour', limit(q.quotas.llmCallsPerHour), '-', '-'],
      ],
    ),
    "Refused flows come back with an admin's redrive (`POST /api/v1/quotas/flows/redrive`) after the quota " +
      'is raised; held flows are proposed as open proposals are decided.',
  ].join('\n\n');
}

export const QUOTA_TOOLS: readonly Tool[] = [
  defineTool({
    name: 'get_quotas',
    title: "The tenant's quotas",
    description:
      "The tenant's quotas (lines per second, distinct flows, open proposals, LLM calls per hour) and what it " +
      'uses of them: flows counted, proposals open, flows held back until proposals are decided, new flows ' +
      'refused by the flows quota. Use it when traffic seems missing from the inventory or no new proposals ' +
      'appear. Read-only.',
    input: args({}),
    annotations: { readOnlyHint: true, openWorldHint: false },
    run: (_a, api) => callApi<QuotasView>(api, { method: 'GET', path: '/quotas' }, quotasText),
  }),
];

/**
 * REST: GET /api/v1/proposals/summary — the open proposals (pending or
 * notified) counted by category, for an at-a-glance view (`scopilot status`,
 * a morning check) without shipping every proposal's evidence. Mounted before
 * the proposals router so `summary` is not read as a proposal id.
 *
 * A proposal's category is the gravest outcome among its ACEs: one harmful
 * ACE makes the whole proposal something to look at before approving it,
 * whatever else it carries. `infrastructure` counts the proposals the bulk
 * filter `service:infrastructure` selects (every ACE DNS, NTP, RADIUS …).
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { ProposalStatus } from '../../domain/proposal.ts';
import { Outcome, outcomeOf } from '../../domain/types.ts';
import { keys, type ProposalRecord } from '../../kv-schema/mod.ts';
import { requireRole } from '../auth.ts';
import { type ApiDeps, type ApiEnv, tenantOf } from './deps.ts';
import { mapParallel } from './matrix-data.ts';
import { matchesFilter, parseFilter } from './proposals-filter.ts';

/** Gravest first: the order the categories are listed in, and how a proposal's own is chosen. */
export const CATEGORY_ORDER: readonly Outcome[] = [
  Outcome.Harmful,
  Outcome.NeedsReview,
  Outcome.BusinessIrrelevant,
  Outcome.Default,
  Outcome.BusinessRelevant,
];

const OPEN: ReadonlySet<string> = new Set([ProposalStatus.Pending, ProposalStatus.Notified]);
const INFRASTRUCTURE = parseFilter('service:infrastructure');

/** The gravest outcome among a proposal's ACEs; `default` for one without ACEs. */
export function proposalCategory(p: Pick<ProposalRecord, 'aces'>): Outcome {
  let gravest: Outcome | undefined;
  for (const a of p.aces) {
    const outcome = outcomeOf(a.decision);
    if (gravest === undefined || CATEGORY_ORDER.indexOf(outcome) < CATEGORY_ORDER.indexOf(gravest))
      gravest = outcome;
  }
  return gravest ?? Outcome.Default;
}

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

export const ProposalSummaryOut = v.object({
  tenant: v.string(),
  open: Count,
  /** Every category, gravest first, zero counts included so a script can index it. */
  byCategory: v.object(
    Object.fromEntries(CATEGORY_ORDER.map((c) => [c, Count])) as Record<Outcome, typeof Count>,
  ),
  infrastructure: Count,
  urgent: Count,
  rare: Count,
  /** Creation time of the oldest open proposal (epoch ms); null with none open. */
  oldestOpenMs: v.nullable(v.number()),
});
export type ProposalSummary = v.InferOutput<typeof ProposalSummaryOut>;

/** Pure: the summary of a tenant's proposals, whatever their status. */
export function summarise(tenant: string, proposals: readonly ProposalRecord[]): ProposalSummary {
  const byCategory = Object.fromEntries(CATEGORY_ORDER.map((c) => [c, 0])) as Record<Outcome, number>;
  const open = proposals.filter((p) => OPEN.has(p.status));
  for (const p of open) byCategory[proposalCategory(p)]++;
  return {
    tenant,
    open: open.length,
    byCategory,
    infrastructure: open.filter((p) => matchesFilter(p, INFRASTRUCTURE)).length,
    urgent: open.filter((p) => p.urgent === true).length,
    rare: open.filter((p) => p.rare).length,
    oldestOpenMs: open.reduce<number | null>(
      (m, p) => (m === null || p.createdAtMs < m ? p.createdAtMs : m),
      null,
    ),
  };
}

export function proposalsSummaryRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/summary', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const found = await mapParallel(await deps.stores.proposals.keys(keys.tenantAll(tenant)), (k) =>
      deps.stores.proposals.get(k),
    );
    return c.json(
      summarise(
        tenant,
        found.flatMap((f) => (f === null ? [] : [f.value])),
      ),
    );
  });
  return app;
}

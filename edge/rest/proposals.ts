/**
 * REST: /api/v1/proposals (DESIGN §6, §9). Viewers list and read; operators
 * file manual proposals and decide. A decision is not made here: it goes to
 * the matrix keeper over Rpc (channel `api`, or `mcp` for the MCP server, by
 * the caller; see channel.ts), which answers whether it won; commands.ts maps
 * that answer to HTTP.
 */
import { type Context, Hono } from 'hono';
import * as v from 'valibot';
import type { Ace } from '../../domain/ace.ts';
import { aceFingerprint, ProposalStatus } from '../../domain/proposal.ts';
import { daysWatched } from '../../domain/rarity.ts';
import { keys, ProposalRecord, sgtNames, watchingSince } from '../../kv-schema/mod.ts';
import { CommandVerb, type DecideCommand } from '../../streams/mod.ts';
import { requireRole } from '../auth.ts';
import { badRequest, conflict, notFound } from '../problem.ts';
import { actorOf } from './channel.ts';
import { sendCommand } from './commands.ts';
import { type ApiDeps, type ApiEnv, principalOf, tenantOf } from './deps.ts';
import { proposalPreviewRoutes } from './matrix-cells.ts';
import { inventory, mapParallel } from './matrix-data.ts';
import { IntParam, NonBlank, ProposalIdParam, pathParam } from './params.ts';
import { fileManual, IdempotencyKeyHeader, ManualProposalBody, manualProposal } from './proposal-manual.ts';
import { decideManyHandler } from './proposals-decide.ts';
import { FilterError, matchesFilter, parseFilter } from './proposals-filter.ts';
import { jsonBody, optionalJsonBody, parseWith, queryWith } from './validate.ts';

export { ManualAce, ManualProposalBody } from './proposal-manual.ts';

const STATUSES = ['open', ...Object.values(ProposalStatus)].join('|');

/** `open` in a status filter: the proposals still awaiting a decision, as the dashboard's filter names them. */
const OPEN: readonly string[] = [ProposalStatus.Pending, ProposalStatus.Notified];

/** GET /proposals: `status` is one status or several, comma-separated; `open` is pending or notified. */
export const ProposalListQuery = v.object({
  status: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        new RegExp(`^(${STATUSES})(,(${STATUSES}))*$`),
        `must be statuses (${STATUSES.replaceAll('|', ', ')}), comma-separated`,
      ),
    ),
  ),
  limit: v.optional(IntParam(1, 1000), '100'),
  /** Select by service, port, category, risk, tags… (proposals-filter.ts), e.g. `service:infrastructure`. */
  filter: v.optional(v.pipe(v.string(), v.maxLength(500))),
});

/** POST /proposals/{id}/approve: the body is optional. */
/** GET /proposals/{id}: the stored proposal, and the fingerprint of its ACEs to approve exactly those. */
export const ProposalView = v.object({ ...ProposalRecord.entries, aceFingerprint: v.string() });
export type ProposalView = v.InferOutput<typeof ProposalView>;

/** The fingerprint of the ACEs the decider saw (`aceFingerprint` in GET /proposals/{id}). */
const SeenAces = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^[0-9a-f]{16}$/, 'must be the aceFingerprint of the proposal as you read it (16 hex digits)'),
  ),
);

/**
 * POST /proposals/{id}/approve: an optional note, and optionally the ACE
 * fingerprint you reviewed, so a proposal that grew meanwhile is not approved.
 */
export const ApproveBody = v.object({
  reason: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  aces: SeenAces,
});

/** POST /proposals/{id}/reject: a reason is required. */
export const RejectBody = v.object({ reason: NonBlank(2000) });

export function proposalsRoutes(deps: ApiDeps): Hono<ApiEnv> {
  // Stores are read per request: the router is built before the engine's buckets exist.
  const app = new Hono<ApiEnv>();

  app.get('/', requireRole('viewer'), async (c) => {
    const tenant = tenantOf(c);
    const q = queryWith(c, ProposalListQuery);
    const wanted =
      q.status === undefined
        ? null
        : new Set(q.status.split(',').flatMap((s) => (s === 'open' ? OPEN : [s])));
    let filter: ReturnType<typeof parseFilter> | null = null;
    try {
      filter = q.filter === undefined ? null : parseFilter(q.filter);
    } catch (error) {
      if (error instanceof FilterError) throw badRequest(`filter: ${error.message}`);
      throw error;
    }
    const found = await mapParallel(await deps.stores.proposals.keys(keys.tenantAll(tenant)), (k) =>
      deps.stores.proposals.get(k),
    );
    const names = filter?.words.length ? await sgtNames(deps.stores, tenant) : new Map<number, string>();
    const matching = found
      .flatMap((f) => (f === null ? [] : [f.value]))
      .filter((p) => wanted === null || wanted.has(p.status))
      .filter((p) => filter === null || matchesFilter(p, filter, names))
      .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : 1));
    return c.json({ total: matching.length, items: matching.slice(0, q.limit) });
  });

  app.get('/:id', requireRole('viewer'), async (c) => {
    const id = pathParam(c, 'id', ProposalIdParam);
    const found = await deps.stores.proposals.get(keys.proposal(tenantOf(c), id));
    if (found === null) throw notFound(`no proposal ${id}`);
    const view: ProposalView = { ...found.value, aceFingerprint: aceFingerprint(found.value.aces as Ace[]) };
    return c.json(view);
  });

  // GET /{id}/preview: what approving it would change, cell by cell (matrix-cells.ts).
  app.route('/', proposalPreviewRoutes(deps));

  app.post('/', requireRole('operator'), async (c) => {
    const body = await jsonBody(c, ManualProposalBody);
    const header = c.req.header('idempotency-key');
    const requestId =
      header === undefined ? crypto.randomUUID() : parseWith(IdempotencyKeyHeader, header, 'Idempotency-Key');
    const principal = principalOf(c);
    const prefix = `${body.sgt}-${body.dgt}-`;
    const flows = (await inventory(deps.stores, principal.tenant, (id) => id.startsWith(prefix))).sort(
      (a, b) => b.hits - a.hits,
    );
    const nowMs = Date.now();
    const since = await watchingSince(deps.stores, principal.tenant);
    const candidate = manualProposal({
      tenant: principal.tenant,
      body,
      principal,
      actor: actorOf(c, principal),
      requestId,
      flows,
      expiryMs: deps.config.proposals.expiryHours * 3_600_000,
      rareDays: deps.config.proposals.rareDays,
      watched: daysWatched(since, nowMs),
      nowMs,
    });
    const { created, proposal } = await fileManual(deps, candidate);
    if (created) return c.json(proposal, 201, { location: `/api/v1/proposals/${proposal.id}` });
    // Same id: the same request again (same key, pair and ACEs). Only its author gets it back.
    if (proposal.createdBy === principal.subject) return c.json(proposal, 200);
    throw conflict(`proposal ${proposal.id} exists already`, { proposalId: proposal.id });
  });

  // Many at once: each decided and audited on its own, the approvals in one version.
  app.post('/decide', requireRole('operator'), decideManyHandler(deps));

  const decide = (decision: DecideCommand['decision']) => async (c: Context<ApiEnv>) => {
    const id = pathParam(c, 'id', ProposalIdParam);
    const body =
      decision === 'approve' ? await optionalJsonBody(c, ApproveBody) : await jsonBody(c, RejectBody);
    const principal = principalOf(c);
    const actor = actorOf(c, principal);
    return sendCommand(deps, principal.tenant, CommandVerb.Decide, {
      proposalId: id,
      decision,
      by: actor.by,
      channel: actor.channel,
      // A labelled name is not the creator's: the keeper's four-eyes rule compares the identity.
      ...(actor.labelled ? { identity: principal.subject } : {}),
      ...(body.reason ? { reason: body.reason } : {}),
      ...('aces' in body && body.aces !== undefined ? { aces: body.aces } : {}),
    });
  };
  app.post('/:id/approve', requireRole('operator'), decide('approve'));
  app.post('/:id/reject', requireRole('operator'), decide('reject'));

  return app;
}

/**
 * The scheduler's evidence refresh: every open proposal's figures are read
 * again from the inventory and written into the stored proposal (CAS, like
 * any change to it), so REST, MCP, the CLI, the dashboard and WebEx all show
 * the same, current numbers instead of those the proposal was created with.
 * Stored rather than computed on each read because the dashboard and the
 * WebEx bot read proposals without the REST API, and a reader should never
 * have to know to refresh. Decided proposals keep what their decider saw.
 * Nothing is announced: new figures are not a new question.
 */
import { parseFlowId } from '../../domain/flow.ts';
import { isOpen, type Proposal } from '../../domain/proposal.ts';
import { type FlowFigures, refreshEvidence } from '../../domain/proposal-evidence.ts';
import { daysWatched, isRare } from '../../domain/rarity.ts';
import { KvConflictError } from '../../engine/errors.ts';
import { keys, type ProposalRecord, type Stores, watchingSince } from '../../kv-schema/mod.ts';

const MAX_RACES = 20;

async function figuresOf(
  stores: Stores,
  tenant: string,
  p: ProposalRecord,
): Promise<Map<string, FlowFigures>> {
  const ids = new Set([...p.evidence.map((e) => e.flowId), ...p.aces.flatMap((a) => a.flowIds)]);
  const out = new Map<string, FlowFigures>();
  for (const id of ids) {
    if (parseFlowId(id) === null) continue; // not a flow id the inventory can hold: keep its figures
    const record = await stores.inventory.get(keys.inventory(tenant, id));
    if (record === null) continue;
    const r = record.value;
    out.set(id, {
      hits: r.hits,
      events: r.events,
      firstSeenMs: r.firstSeenMs,
      lastSeenMs: r.lastSeenMs,
      daysSeen: r.days.length,
    });
  }
  return out;
}

/** Refresh the evidence of a tenant's open proposals; returns how many changed. */
export async function refreshOpenEvidence(
  stores: Stores,
  tenant: string,
  nowMs: number,
  rareDays: number,
): Promise<number> {
  const watched = daysWatched(await watchingSince(stores, tenant), nowMs);
  const rareOf = (daysSeen: number) => isRare(daysSeen, watched, rareDays);
  let refreshed = 0;
  for (const key of await stores.proposals.keys(keys.tenantAll(tenant))) {
    for (let race = 0; ; race++) {
      const found = await stores.proposals.get(key);
      if (found === null || !isOpen(found.value.status as Proposal['status'])) break;
      const figures = await figuresOf(stores, tenant, found.value);
      const next = refreshEvidence(found.value as Proposal, figures, nowMs, rareOf);
      if (next === null) break;
      try {
        await stores.proposals.update(key, next, found.revision);
        refreshed++;
        break;
      } catch (error) {
        // Merged into, decided or expired meanwhile: read it again.
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      }
    }
  }
  return refreshed;
}

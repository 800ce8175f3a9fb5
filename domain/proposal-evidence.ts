/**
 * A proposal's evidence kept true while it waits: the figures of its flows
 * (hits, events, first/last seen, days seen) are read again from the inventory
 * and written into the stored proposal, so every channel that shows it — REST,
 * MCP and the CLI through REST, the dashboard, WebEx cards — reads the same
 * numbers. Decided proposals keep the figures their decider saw.
 */
import type { Proposal } from './proposal.ts';

/** What the inventory says of one flow now. */
export interface FlowFigures {
  hits: number;
  events: number;
  firstSeenMs: number;
  lastSeenMs: number;
  daysSeen: number;
}

/**
 * An open proposal's evidence as the inventory has it now: each flow's hits,
 * events, first/last seen and days seen, each ACE's hits and events summed
 * over its flows, and the rare flag judged again (`rareOf` a flow's days
 * seen). Flows the inventory no longer holds keep their figures. Null when
 * nothing changed, so an unchanged proposal is not written again.
 */
export function refreshEvidence(
  p: Proposal,
  figures: ReadonlyMap<string, FlowFigures>,
  atMs: number,
  rareOf: (daysSeen: number) => boolean,
): Proposal | null {
  const evidence = p.evidence
    .map((e) => {
      const f = figures.get(e.flowId);
      return f === undefined
        ? e
        : {
            ...e,
            hits: f.hits,
            events: f.events,
            firstSeenMs: f.firstSeenMs,
            lastSeenMs: f.lastSeenMs,
            daysSeen: f.daysSeen,
          };
    })
    .sort((a, b) => b.hits - a.hits || a.flowId.localeCompare(b.flowId));
  const aces = p.aces.map((a) => {
    const found = a.flowIds.flatMap((id) => figures.get(id) ?? []);
    if (found.length === 0) return a;
    return {
      ...a,
      hits: found.reduce((n, f) => n + f.hits, 0),
      events: found.reduce((n, f) => n + f.events, 0),
    };
  });
  const rare = evidence.length === 0 ? p.rare : evidence.every((e) => rareOf(e.daysSeen));
  const same =
    rare === p.rare &&
    JSON.stringify(evidence) === JSON.stringify(p.evidence) &&
    aces.every((a, i) => a.hits === p.aces[i]?.hits && a.events === p.aces[i]?.events);
  return same ? null : { ...p, evidence, aces, rare, evidenceAtMs: atMs };
}

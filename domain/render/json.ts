/**
 * JSON export of an analysis: every flow with its classification, every
 * contract, the stats (for a stored matrix version: its own default and the
 * inventory's figures instead, matrix-input.ts). Objects are rebuilt field by
 * field so key order is fixed whatever shape the input came in (fresh or read
 * back from storage), which keeps exports diffable. Sample IP addresses stay out: the export is
 * meant to be shared, and the flow inventory API has them for investigation.
 */
import { aceText } from '../ace.ts';
import { sgtDisplayName } from '../contract-names.ts';
import type { Contract, ContractAce } from '../contracts.ts';
import { indexClassifications } from '../contracts.ts';
import { DefaultRule } from '../matrix.ts';
import type { Flow } from '../types.ts';
import { iso, type RenderInput } from './input.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const aceJson = (a: ContractAce): Json => ({
  text: aceText(a),
  action: a.action,
  protocol: a.protocol,
  srcPort: a.srcPort ?? null,
  dstPort: a.dstPort ?? null,
  // Richer ACEs only (ace.ts): a plain ACE's export keeps its fields as they were.
  ...(a.src === undefined ? {} : { src: { op: a.src.op, ports: [...a.src.ports] } }),
  ...(a.dst === undefined ? {} : { dst: { op: a.dst.op, ports: [...a.dst.ports] } }),
  ...(a.icmp === undefined ? {} : { icmp: { ...a.icmp } }),
  ...(a.raw === undefined ? {} : { raw: a.raw }),
  log: a.log === true,
  hits: a.hits,
  events: a.events,
  flowIds: [...a.flowIds],
  conflict: a.conflict,
  decision: {
    flowId: a.decision.flowId,
    category: a.decision.category,
    source: a.decision.source,
    risk: a.decision.risk,
    rationale: a.decision.rationale,
  },
});

const contractJson = (c: Contract): Json => ({
  name: c.name,
  sgt: c.sgt,
  dgt: c.dgt,
  sourceName: c.sourceName,
  destinationName: c.destinationName,
  hits: c.hits,
  events: c.events,
  classification: {
    business_relevant: { ...c.classification.business_relevant },
    default: { ...c.classification.default },
    business_irrelevant: { ...c.classification.business_irrelevant },
    harmful: { ...c.classification.harmful },
    unclassified: { ...c.classification.unclassified },
  },
  aces: c.aces.map(aceJson),
});

function statsJson(input: RenderInput): Json {
  const s = input.stats;
  const rejected: { [key: string]: Json } = {};
  for (const [reason, r] of Object.entries(s.rejected).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (r !== undefined) rejected[reason] = { count: r.count, firstLine: r.firstLine };
  }
  return {
    linesRead: s.linesRead,
    events: s.events,
    hits: s.hits,
    notSgaclHit: s.notSgaclHit,
    outsideWindow: s.outsideWindow,
    rejectedTotal: s.rejectedTotal,
    rejected,
    tagsSeen: [...s.tagsSeen],
  };
}

export function renderJson(input: RenderInput): string {
  const picked = indexClassifications(input.classifications);
  const flowJson = (f: Flow): Json => {
    const p = picked.get(f.id);
    const c = p?.classification;
    return {
      id: f.id,
      sgt: f.sgt,
      dgt: f.dgt,
      protocol: f.protocol,
      srcPort: f.srcPort,
      dstPort: f.dstPort,
      hits: f.hits,
      events: f.events,
      firstSeen: iso(f.firstSeenMs),
      lastSeen: iso(f.lastSeenMs),
      daysSeen: f.daysSeen,
      permitHits: f.permitHits,
      denyHits: f.denyHits,
      sgaclNames: [...f.sgaclNames],
      classification:
        c === undefined || p === undefined
          ? null
          : {
              category: c.category,
              source: c.source,
              risk: c.risk,
              rationale: c.rationale,
              model: c.model ?? null,
              at: iso(c.atMs),
              conflict: p.conflict,
            },
    };
  };
  const tags = new Set<number>(input.stats.tagsSeen);
  for (const f of input.flows) {
    tags.add(f.sgt);
    tags.add(f.dgt);
  }
  const m = input.matrix;
  // A stored version has no run behind it: its own default and the inventory's figures, not a run's stats.
  const head: { [key: string]: Json } =
    m === undefined
      ? { defaultRule: DefaultRule.DenyIp, stats: statsJson(input) }
      : {
          version: m.version,
          live: m.live,
          liveVersion: m.liveVersion,
          defaultRule: m.defaultRule,
          inventory: {
            flows: m.inventory.flows,
            hits: m.inventory.hits,
            events: m.inventory.events,
            permitted: { ...m.inventory.permitted },
            denied: { ...m.inventory.denied },
            uncovered: { ...m.inventory.uncovered },
          },
        };
  const doc: Json = {
    generatedAt: input.generatedAtMs === undefined ? null : iso(input.generatedAtMs),
    ...head,
    sgts: [...tags]
      .sort((a, b) => a - b)
      .map((tag) => ({ tag, name: sgtDisplayName(tag, input.sgtNames), known: input.sgtNames.has(tag) })),
    flows: input.flows.map(flowJson),
    contracts: input.contracts.map(contractJson),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

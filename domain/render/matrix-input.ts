/**
 * A stored matrix version as renderer input. A version is policy: its cells
 * keep the hits their proposals had when approved, and it has no syslog run
 * behind it, so the figures a reader sees come from the tenant's inventory
 * now: each ACE's hits, events and flows are those of the inventory flows it
 * decides (first match, as the switch reads it), and the facts say what the
 * version's own default is and how much of the observed traffic it permits,
 * denies or leaves to that default.
 */
import { aceMatchesFlow } from '../ace.ts';
import type { Contract, ContractAce } from '../contracts.ts';
import { coverage } from '../coverage.ts';
import type { FlowKey } from '../flow.ts';
import type { Matrix } from '../matrix.ts';
import type { SgtDictionary } from '../types.ts';
import type { MatrixFacts, RenderInput } from './input.ts';

/** An inventory flow: its key, id and figures. */
export interface InventoryFlow extends FlowKey {
  id: string;
  hits: number;
  events: number;
}

export interface MatrixRenderSource {
  tenant: string;
  /** 0: the empty matrix before the first approval. */
  version: number;
  /** The version the pointer names now. */
  live: number;
  matrix: Matrix;
  /** When the version was written. */
  atMs?: number;
  sgtNames: SgtDictionary;
  flows: readonly InventoryFlow[];
}

const EMPTY_STATS = {
  linesRead: 0,
  events: 0,
  hits: 0,
  notSgaclHit: 0,
  outsideWindow: 0,
  rejected: {},
  rejectedTotal: 0,
  tagsSeen: [],
};

export function matrixRenderInput(src: MatrixRenderSource): RenderInput {
  const decided = new Map<string, InventoryFlow[]>(); // `<cell>#<ace index>` → flows it decides
  const facts: MatrixFacts = {
    version: src.version,
    live: src.version === src.live,
    liveVersion: src.live,
    defaultRule: src.matrix.defaultRule,
    inventory: {
      flows: src.flows.length,
      hits: 0,
      events: 0,
      permitted: { flows: 0, hits: 0 },
      denied: { flows: 0, hits: 0 },
      uncovered: { flows: 0, hits: 0 },
    },
  };
  const byId = new Map(src.flows.map((f) => [f.id, f]));
  const cellIndex = new Map(src.matrix.cells.map((c) => [`${c.sgt}>${c.dgt}`, c]));
  for (const c of coverage(src.matrix, src.flows)) {
    const f = byId.get(c.flowId) as InventoryFlow;
    facts.inventory.hits += f.hits;
    facts.inventory.events += f.events;
    facts.inventory[c.status].flows++;
    facts.inventory[c.status].hits += f.hits;
    if (c.status === 'uncovered') continue; // the default decides it: no ACE's figure
    // The ACE that decided, found as coverage finds it: the first of the cell that matches.
    const at = cellIndex.get(`${c.sgt}>${c.dgt}`)?.aces.findIndex((a) => aceMatchesFlow(a, f)) ?? -1;
    if (at < 0) continue;
    const key = `${c.sgt}>${c.dgt}#${at}`;
    decided.set(key, [...(decided.get(key) ?? []), f]);
  }
  const contracts: Contract[] = src.matrix.cells.map((cell) => {
    const aces = cell.aces.map((a, i): ContractAce => {
      const flows = (decided.get(`${cell.sgt}>${cell.dgt}#${i}`) ?? []).sort(
        (x, y) => y.hits - x.hits || (x.id < y.id ? -1 : 1),
      );
      return {
        ...a,
        hits: flows.reduce((n, f) => n + f.hits, 0),
        events: flows.reduce((n, f) => n + f.events, 0),
        flowIds: flows.map((f) => f.id),
      };
    });
    return {
      ...cell,
      aces,
      hits: aces.reduce((n, a) => n + a.hits, 0),
      events: aces.reduce((n, a) => n + a.events, 0),
    };
  });
  return {
    flows: [],
    classifications: [],
    contracts,
    stats: EMPTY_STATS,
    sgtNames: src.sgtNames,
    ...(src.atMs === undefined ? {} : { generatedAtMs: src.atMs }),
    title: `Segmentation Copilot: TrustSec matrix of ${src.tenant}, version ${src.version}`,
    matrix: facts,
  };
}

/**
 * What every renderer takes: one analysis result (flows, their
 * classifications, the contracts built from them, the run's stats and the SGT
 * dictionary), plus the few choices a renderer leaves to its caller.
 */
import type { AnalysisStats } from '../analysis.ts';
import type { Contract } from '../contracts.ts';
import type { DefaultRule } from '../matrix.ts';
import type { Classification, Flow, SgtDictionary } from '../types.ts';

export interface RenderInput {
  flows: readonly Flow[];
  /** One per flow id; a list may repeat a flow (the most severe wins, as in `buildContracts`). */
  classifications: ReadonlyMap<string, Classification> | readonly Classification[];
  contracts: readonly Contract[];
  stats: AnalysisStats;
  sgtNames: SgtDictionary;
  /** Printed in headers when given; left out otherwise so output is reproducible. */
  generatedAtMs?: number;
  title?: string;
  /**
   * Present when a stored matrix version is rendered rather than an analysis
   * (matrix-input.ts): its own default and the inventory's figures replace the
   * `deny ip` goal and the run's stats, which do not exist for it.
   */
  matrix?: MatrixFacts;
}

/** Flows and hits of a tenant's inventory. */
export interface Tally {
  flows: number;
  hits: number;
}

export interface MatrixFacts {
  version: number;
  /** Whether this version is the one switches run now. */
  live: boolean;
  /** The version the pointer names (0 before the first approval). */
  liveVersion: number;
  /** The version's own default: what happens to traffic no contract matches. */
  defaultRule: DefaultRule;
  /** The tenant's inventory read against this version: permitted, denied, or left to the default. */
  inventory: Tally & { events: number; permitted: Tally; denied: Tally; uncovered: Tally };
}

export const DeployMode = {
  /** Cells log what they would do without enforcing; the deny default waits. */
  Monitor: 'monitor',
  /** Cells enforce, and the default becomes `deny ip`. */
  Enforce: 'enforce',
} as const;
export type DeployMode = (typeof DeployMode)[keyof typeof DeployMode];

export interface RenderOptions {
  /** For `ios` and `ise`. Default `monitor`: see those renderers for why. */
  mode?: DeployMode;
}

export const DEFAULT_TITLE = 'Segmentation Copilot: proposed TrustSec matrix';

export const iso = (ms: number): string => new Date(ms).toISOString();

/** `1234567` → `1,234,567`, the same in every locale. */
export const count = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * IOS-XE and ISE carry IPv4 SGACLs here; an `icmpv6` ACE has no meaning in
 * one and would be refused, so those renderers leave it out and say so.
 */
export const isIpv6Only = (protocol: string): boolean => protocol === 'icmpv6';

/**
 * Product state as metrics, read from the stores at scrape time: flows per
 * tenant from the scheduler's last readiness snapshot, proposals by status,
 * and decisions by channel (from each proposal's history, so the count is
 * exact across processes and restarts). These are cluster-wide facts: every
 * process that registers them reports the same values (aggregate with
 * `max`, not `sum`).
 *
 * A scan costs one KV read per proposal, so its result is kept for
 * `maxAgeMs`, and a slow scan never holds a scrape longer than `waitMs`:
 * the scrape answers with the previous values instead.
 */
import type { Registry } from 'prom-client';
import { ProposalStatus } from '../domain/proposal.ts';
import { keys, type Stores } from '../kv-schema/mod.ts';
import { callbackCounter, callbackGauge, type Samples } from './collect.ts';

export interface StateOptions {
  maxAgeMs?: number;
  waitMs?: number;
  now?: () => number;
}

interface Snapshot {
  atMs: number;
  flows: Samples<'tenant' | 'coverage'>;
  ratio: Samples<'tenant'>;
  proposals: Samples<'tenant' | 'status'>;
  decisions: Samples<'tenant' | 'channel' | 'decision'>;
}

const EMPTY: Snapshot = {
  atMs: Number.NEGATIVE_INFINITY,
  flows: [],
  ratio: [],
  proposals: [],
  decisions: [],
};
const STATUSES = Object.values(ProposalStatus) as string[];
const DECISIONS: Record<string, string> = { approved: 'approve', rejected: 'reject' };
const CONCURRENCY = 16;
const decoder = new TextDecoder();

export function registerStateMetrics(
  registry: Registry,
  stores: () => Stores | null,
  options: StateOptions = {},
): void {
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const waitMs = options.waitMs ?? 2_000;
  const now = options.now ?? Date.now;
  let last = EMPTY;
  let scanning: Promise<void> | null = null;
  const refresh = async (s: Stores): Promise<void> => {
    try {
      last = await scan(s, now());
    } catch {
      // Keep the previous values; the next scrape tries again.
    } finally {
      scanning = null;
    }
  };
  const current = async (): Promise<Snapshot> => {
    const s = stores();
    if (s === null || now() - last.atMs < maxAgeMs) return last;
    scanning ??= refresh(s);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs);
    });
    await Promise.race([scanning, timeout]);
    clearTimeout(timer);
    return last;
  };
  const spec = { registry };
  callbackGauge({
    ...spec,
    name: 'scopilot_flows',
    help: 'Flows in the inventory at the last readiness snapshot, by coverage of the live matrix.',
    labelNames: ['tenant', 'coverage'],
    read: async () => (await current()).flows,
  });
  callbackGauge({
    ...spec,
    name: 'scopilot_readiness_ratio',
    help: 'Share of the traffic meant to flow that would survive a deny ip default, at the last snapshot.',
    labelNames: ['tenant'],
    read: async () => (await current()).ratio,
  });
  callbackGauge({
    ...spec,
    name: 'scopilot_proposals',
    help: 'Proposals by status.',
    labelNames: ['tenant', 'status'],
    read: async () => (await current()).proposals,
  });
  callbackCounter({
    ...spec,
    name: 'scopilot_decisions_total',
    help: 'Proposal decisions by channel (api, cli, ui, mcp, webex) and decision (approve, reject).',
    labelNames: ['tenant', 'channel', 'decision'],
    read: async () => (await current()).decisions,
  });
}

async function scan(stores: Stores, atMs: number): Promise<Snapshot> {
  const flows: [{ tenant: string; coverage: string }, number][] = [];
  const ratio: [{ tenant: string }, number][] = [];
  const prefix = keys.readiness('t').slice(0, -1);
  for (const key of await stores.readiness.keys(`${prefix}*`)) {
    const found = await stores.readiness.get(key).catch(() => null);
    if (found === null) continue;
    const tenant = key.slice(prefix.length);
    const f = found.value.flows;
    for (const [coverage, n] of Object.entries({
      covered: f.covered,
      denied: f.denied,
      uncovered: f.uncovered,
    })) {
      flows.push([{ tenant, coverage }, n]);
    }
    ratio.push([{ tenant }, found.value.ratio]);
  }
  const statuses = new Map<string, number>();
  const decisions = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const tenants = new Set<string>();
  const all = await stores.proposals.keys();
  for (let i = 0; i < all.length; i += CONCURRENCY) {
    const batch = all.slice(i, i + CONCURRENCY);
    const entries = await Promise.all(batch.map((key) => stores.proposals.raw.get(key).catch(() => null)));
    entries.forEach((entry, j) => {
      if (entry === null) return;
      const tenant = batch[j]!.slice(0, batch[j]!.indexOf('.'));
      const p = lenient(entry.value);
      tenants.add(tenant);
      if (p.status !== undefined) bump(statuses, `${tenant}\n${p.status}`);
      for (const h of p.history) {
        const decision = DECISIONS[h.status];
        if (decision !== undefined) bump(decisions, `${tenant}\n${h.channel}\n${decision}`);
      }
    });
  }
  const proposals = [...tenants].flatMap((tenant) =>
    STATUSES.map((status) => [{ tenant, status }, statuses.get(`${tenant}\n${status}`) ?? 0] as const),
  );
  const decided = [...decisions].map(([key, n]) => {
    const [tenant = '', channel = '', decision = ''] = key.split('\n');
    return [{ tenant, channel, decision }, n] as const;
  });
  return { atMs, flows, ratio, proposals, decisions: decided };
}

interface ProposalFacts {
  status: string | undefined;
  history: { status: string; channel: string }[];
}

/** Status and history of a stored proposal, read without full validation (cheap, and a bad record only loses its own count). */
function lenient(bytes: Uint8Array): ProposalFacts {
  try {
    const raw = JSON.parse(decoder.decode(bytes)) as { status?: unknown; history?: unknown };
    const history = Array.isArray(raw.history)
      ? (raw.history as { status?: unknown; channel?: unknown }[])
      : [];
    return {
      status: typeof raw.status === 'string' && STATUSES.includes(raw.status) ? raw.status : undefined,
      history: history.flatMap((h) =>
        typeof h.status === 'string' && typeof h.channel === 'string'
          ? [{ status: h.status, channel: h.channel }]
          : [],
      ),
    };
  } catch {
    return { status: undefined, history: [] };
  }
}

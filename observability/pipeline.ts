/**
 * The flow pipeline's per-tenant counters and its end-to-end latency, from
 * the moment a line was received (tail interval read, syslog receipt, REST
 * request) to the flow being in the inventory and to a proposal being visible.
 *
 * Cardinality: one series set per tenant. A histogram here is 16 series
 * (13 buckets, +Inf, sum, count), so 100 tenants make 3,200 series for the
 * two histograms, which a Prometheus server takes easily; at thousands of
 * tenants drop the tenant label here first. Latency crosses processes (the
 * line is stamped by the tail or the edge, observed by the engine), so the
 * hosts' clocks must agree (NTP) for the figures to mean anything.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { PipelineMetrics } from '../actors/pipeline-metrics.ts';

/** 50 ms to 10 minutes: a quiet pipeline answers in seconds; a throttled or backlogged one in minutes. */
export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export function registerPipelineMetrics(registry: Registry, now: () => number = Date.now): PipelineMetrics {
  const registers = [registry];
  const byTenant = { labelNames: ['tenant'] as const, registers };
  const toInventory = new Histogram({
    name: 'scopilot_line_to_inventory_seconds',
    help: 'From a line received to its delta folded into the inventory.',
    buckets: LATENCY_BUCKETS,
    ...byTenant,
  });
  const toProposal = new Histogram({
    name: 'scopilot_line_to_proposal_seconds',
    help: 'From a line received to the proposal it caused being visible (created or reopened).',
    buckets: LATENCY_BUCKETS,
    ...byTenant,
  });
  const folded = new Counter({
    name: 'scopilot_flow_deltas_folded_total',
    help: 'flows.observed deltas folded into the inventory.',
    ...byTenant,
  });
  const created = new Counter({
    name: 'scopilot_flows_created_total',
    help: 'Flows new to the inventory.',
    ...byTenant,
  });
  const proposed = new Counter({
    name: 'scopilot_proposals_created_total',
    help: 'Proposals made visible by the proposer (created, or reopened after a rollback).',
    ...byTenant,
  });
  const seconds = (receivedAtMs: number) => Math.max(0, now() - receivedAtMs) / 1_000;
  return {
    folded: (tenant, receivedAtMs, isNew) => {
      folded.inc({ tenant });
      if (isNew) created.inc({ tenant });
      if (receivedAtMs !== undefined) toInventory.observe({ tenant }, seconds(receivedAtMs));
    },
    proposed: (tenant, receivedAtMs) => {
      proposed.inc({ tenant });
      if (receivedAtMs !== undefined) toProposal.observe({ tenant }, seconds(receivedAtMs));
    },
  };
}

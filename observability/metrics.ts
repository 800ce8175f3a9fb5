/**
 * One Prometheus registry per process: the default process metrics and the
 * product's own, all named `scopilot_*`. Labels stay low-cardinality: tenant,
 * actor kind, reason, route pattern, never an IP address or a flow id.
 *
 * Domain and actor code never import this: they report through small ports
 * it implements (`ingest`, `actors`), and values other code already keeps
 * (Claude usage, live activations, store state) are read at scrape time.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PipelineMetrics } from '../actors/pipeline-metrics.ts';
import type { IngestMetrics } from '../actors/tail/ingest.ts';
import type { SourceHealth } from '../actors/tail/source.ts';
import type { QuotaMetrics } from '../config/quotas.ts';
import type { AnalysisStats } from '../domain/analysis.ts';
import type { LlmClassifier } from '../domain/classify/types.ts';
import type { FailureHooks } from '../engine/actor/failures.ts';
import type { ClaudeUsage } from '../integrations/anthropic/client.ts';
import type { Stores } from '../kv-schema/mod.ts';
import { type ClusterSource, registerClusterMetrics } from './cluster.ts';
import { callbackCounter, callbackGauge } from './collect.ts';
import { type IseDriftSample, registerIseMetrics } from './ise.ts';
import { countingLlm, registerLlmFailures } from './llm.ts';
import { registerPipelineMetrics } from './pipeline.ts';
import { registerQuotaMetrics } from './quota.ts';
import { registerSourceMetrics } from './sources.ts';
import { registerStateMetrics, type StateOptions } from './state.ts';

export interface MetricsOptions {
  /** Process metrics (CPU, memory, file descriptors, heap); off for throwaway registries in tests. */
  defaults?: boolean;
  /** Shown in `scopilot_info`. */
  role?: string;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export class Metrics {
  readonly registry = new Registry();
  readonly #http: Histogram<'method' | 'route' | 'status'>;
  readonly #lines: Counter<'tenant' | 'source'>;
  readonly #events: Counter<'tenant' | 'source'>;
  readonly #hits: Counter<'tenant' | 'source'>;
  readonly #deltas: Counter<'tenant' | 'source'>;
  readonly #skipped: Counter<'tenant' | 'source' | 'reason'>;
  readonly #rejected: Counter<'tenant' | 'source' | 'reason'>;
  readonly #actorErrors: Counter<'actor' | 'tenant'>;
  readonly #deadLetters: Counter<'actor' | 'tenant'>;
  readonly #claude: (() => ClaudeUsage)[] = [];
  readonly #llmFailures: Counter<'code'>;
  #activations: () => Record<string, number> = () => ({});
  /** Tenant quotas: `scopilot_quota_throttled_total` and `scopilot_quota_shed_total` {tenant, quota}. */
  readonly quota: QuotaMetrics;
  /** The flow actors: deltas folded, flows and proposals created per tenant, line-to-proposal latency. */
  readonly pipeline: PipelineMetrics;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaults ?? true) defaultMetrics(this.registry);
    new Gauge({ name: 'scopilot_info', help: 'This process, by role.', labelNames: ['role'], registers }).set(
      { role: options.role ?? 'unknown' },
      1,
    );
    this.#http = new Histogram({
      name: 'scopilot_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const ingest = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['tenant', 'source'], registers });
    this.#lines = ingest('scopilot_ingest_lines_total', 'Syslog lines read.');
    this.#events = ingest('scopilot_ingest_events_total', 'SGACLHIT lines accepted.');
    this.#hits = ingest('scopilot_ingest_hits_total', 'Sum of logging_interval_hits of accepted lines.');
    this.#deltas = ingest('scopilot_ingest_deltas_total', 'flows.observed deltas published.');
    const byReason = { labelNames: ['tenant', 'source', 'reason'] as const, registers };
    this.#skipped = new Counter({
      name: 'scopilot_ingest_skipped_lines_total',
      help: 'Lines that are no error but no traffic either: other syslog (not_sgaclhit), outside the window.',
      ...byReason,
    });
    this.#rejected = new Counter({
      name: 'scopilot_ingest_rejected_lines_total',
      help: 'Lines refused as bad input, by reason.',
      ...byReason,
    });
    const byActor = { labelNames: ['actor', 'tenant'] as const, registers };
    this.#actorErrors = new Counter({
      name: 'scopilot_actor_errors_total',
      help: 'Messages whose handling failed (each is retried or dead-lettered).',
      ...byActor,
    });
    this.#deadLetters = new Counter({
      name: 'scopilot_actor_dead_letters_total',
      help: 'Messages parked as dead letters.',
      ...byActor,
    });
    callbackGauge({
      name: 'scopilot_actor_activations',
      help: 'Live actor activations in this process.',
      labelNames: ['actor'],
      registry: this.registry,
      read: () => Object.entries(this.#activations()).map(([actor, n]) => [{ actor }, n] as const),
    });
    this.#claudeMetrics();
    this.#llmFailures = registerLlmFailures(this.registry);
    this.quota = registerQuotaMetrics(this.registry);
    this.pipeline = registerPipelineMetrics(this.registry);
  }

  /** The classifier's LLM, counting failed calls in `scopilot_claude_failures_total`. */
  countLlmFailures(llm: LlmClassifier): LlmClassifier {
    return countingLlm(llm, this.#llmFailures);
  }

  /** NATS connection, replication, consumer lag and leases (register once). */
  watchCluster(source: ClusterSource): void {
    registerClusterMetrics(this.registry, source);
  }

  /** For the tail and the ingest entry points. */
  readonly ingest: IngestMetrics = {
    ingested: (tenant: string, source: string, stats: AnalysisStats, deltas: number) => {
      const labels = { tenant, source };
      this.#lines.inc(labels, stats.linesRead);
      this.#events.inc(labels, stats.events);
      this.#hits.inc(labels, stats.hits);
      this.#deltas.inc(labels, deltas);
      if (stats.notSgaclHit > 0) this.#skipped.inc({ ...labels, reason: 'not_sgaclhit' }, stats.notSgaclHit);
      if (stats.outsideWindow > 0) {
        this.#skipped.inc({ ...labels, reason: 'outside_window' }, stats.outsideWindow);
      }
      for (const [reason, count] of Object.entries(stats.rejected)) {
        if (count !== undefined) this.#rejected.inc({ ...labels, reason }, count.count);
      }
    },
  };

  /** For the ActorSystem (`hooks`). */
  readonly actors: FailureHooks = {
    onError: (actor: string, tenant: string) => this.#actorErrors.inc({ actor, tenant }),
    onDeadLetter: (actor: string, tenant: string) => this.#deadLetters.inc({ actor, tenant }),
  };

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const m = METHODS.has(method) ? method : 'OTHER';
    this.#http.observe({ method: m, route, status: String(status) }, seconds);
  }

  /** A Claude client's running usage (its `usage` object), summed over every client registered. */
  addClaudeUsage(read: () => ClaudeUsage): void {
    this.#claude.push(read);
  }

  /** Live activations per actor kind (ActorSystem.activations). */
  setActivations(read: () => Record<string, number>): void {
    this.#activations = read;
  }

  /** Flows, proposals and decisions from the stores (null until they are open); register once. */
  watchStores(stores: () => Stores | null, options?: StateOptions): void {
    registerStateMetrics(this.registry, stores, options);
  }

  /** The log sources this process runs (register once). */
  watchSources(read: () => readonly SourceHealth[]): void {
    registerSourceMetrics(this.registry, read);
  }

  /** Each ISE tenant's last drift check (register once). */
  watchIse(read: () => Promise<readonly IseDriftSample[]>): void {
    registerIseMetrics(this.registry, read);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  #claudeMetrics(): void {
    const sum = (pick: (u: ClaudeUsage) => number) => this.#claude.reduce((n, read) => n + pick(read()), 0);
    callbackCounter({
      name: 'scopilot_claude_calls_total',
      help: 'Claude classification calls (one per batch of flows).',
      registry: this.registry,
      read: () => [[{}, sum((u) => u.calls)]],
    });
    callbackCounter({
      name: 'scopilot_claude_attempts_total',
      help: 'Claude API requests, retries included.',
      registry: this.registry,
      read: () => [[{}, sum((u) => u.attempts)]],
    });
    callbackCounter({
      name: 'scopilot_claude_tokens_total',
      help: 'Claude tokens by type: input (uncached), output, cache_read, cache_write.',
      labelNames: ['type'],
      registry: this.registry,
      read: () => [
        [{ type: 'input' }, sum((u) => u.inputTokens)],
        [{ type: 'output' }, sum((u) => u.outputTokens)],
        [{ type: 'cache_read' }, sum((u) => u.cacheReadTokens)],
        [{ type: 'cache_write' }, sum((u) => u.cacheWriteTokens)],
      ],
    });
  }
}

/**
 * The standard `process_*` and `nodejs_*` metrics, unprefixed so stock
 * dashboards work. Bun does not implement the event loop delay monitor: its
 * lag gauges would report nonsense (a minimum of 2^63 ns), so they are dropped.
 */
function defaultMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  if (process.versions.bun === undefined) return;
  for (const metric of registry.getMetricsAsArray()) {
    if (metric.name.startsWith('nodejs_eventloop_lag')) registry.removeSingleMetric(metric.name);
  }
}

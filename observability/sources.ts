/**
 * Log sources at scrape time: whether each is up, and its counters (lines,
 * received, dropped by reason, reconnects…), labelled by the source's name,
 * which the operator configured and which carries no secret.
 */
import type { Registry } from 'prom-client';
import type { SourceHealth } from '../actors/tail/source.ts';
import { callbackCounter, callbackGauge } from './collect.ts';

export function registerSourceMetrics(registry: Registry, read: () => readonly SourceHealth[]): void {
  callbackGauge({
    name: 'scopilot_source_up',
    help: 'Whether a log source is connected and reading (1), or starting, reconnecting or down (0).',
    labelNames: ['source', 'kind'],
    registry,
    read: () => read().map((s) => [{ source: s.name, kind: s.kind }, s.state === 'up' ? 1 : 0] as const),
  });
  callbackCounter({
    name: 'scopilot_source_events_total',
    help: 'What each log source counted: lines, messages received, parsed, rejected, dropped (by reason), reconnects; UDP datagrams the kernel dropped (udp_kernel_drops).',
    labelNames: ['source', 'kind', 'event'],
    registry,
    read: () =>
      read().flatMap((s) =>
        Object.entries(s.counters).map(([event, n]) => [{ source: s.name, kind: s.kind, event }, n] as const),
      ),
  });
}

/**
 * Cisco ISE at scrape time: how many differences the last drift check found
 * between each tenant's approved matrix and ISE, read from the sync's
 * status (which every process serving the API can read), so an alert can
 * fire on `scopilot_ise_drift_cells > 0`. A tenant never checked has no
 * sample rather than a 0 that would claim ISE matched.
 */
import type { Registry } from 'prom-client';
import { callbackGauge } from './collect.ts';

/** One tenant's last drift check: differences found (cells, the default included). */
export interface IseDriftSample {
  tenant: string;
  cells: number;
}

export function registerIseMetrics(
  registry: Registry,
  read: () => Promise<readonly IseDriftSample[]> | readonly IseDriftSample[],
): void {
  callbackGauge({
    name: 'scopilot_ise_drift_cells',
    help: 'Cells (the ANY-ANY default included) where ISE differed from the approved matrix at the last drift check.',
    labelNames: ['tenant'],
    registry,
    read: async () => (await read()).map((s) => [{ tenant: s.tenant }, s.cells] as const),
  });
}

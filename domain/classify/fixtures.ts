/**
 * Flow fixtures for tests of the classification pipeline and its adapters.
 * Samples hold real-looking IPv4 and IPv6 addresses on purpose: tests prove
 * they never reach a model request.
 */
import { type FlowKey, flowId } from '../flow.ts';
import type { Flow } from '../types.ts';

const DAY = 86_400_000;

export function makeFlow(
  key: Partial<FlowKey> & Pick<FlowKey, 'sgt' | 'dgt'>,
  extra: Partial<Flow> = {},
): Flow {
  const k: FlowKey = { protocol: 'tcp', srcPort: 'any', dstPort: 443, ...key };
  return {
    ...k,
    id: flowId(k),
    hits: 1200,
    events: 40,
    firstSeenMs: Date.UTC(2026, 5, 1),
    lastSeenMs: Date.UTC(2026, 5, 1) + 6 * DAY,
    daysSeen: 7,
    srcSamples: ['10.20.30.40', '2001:db8:0:1::25', 'fe80::1%eth0'],
    dstSamples: ['192.168.100.7', '2001:db8:ffff::a'],
    permitHits: 1000,
    denyHits: 200,
    switches: ['sw01.example.net'],
    interfaces: ['GigabitEthernet1/0/2'],
    sgaclNames: ['Permit IP'],
    ...extra,
  };
}

/** A dictionary shaped like ISE's defaults plus a few site-specific groups. */
export const SGT_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Unknown'],
  [2, 'TrustSec_Devices'],
  [4, 'Employees'],
  [5, 'Contractors'],
  [6, 'Guests'],
  [7, 'Network_Services'],
  [9, 'PCI_Servers'],
  [11, 'Production_Servers'],
  [12, 'Development_Servers'],
  [13, 'Quarantined_Systems'],
  [15, 'Point_of_Sale_Systems'],
  [16, 'IT_Admins'],
  [20, 'IoT_Cameras'],
  [21, 'Video_Recorders_NVR'],
  [22, 'Printers'],
  [23, 'IP_Phones'],
  [24, 'Building_Sensors'],
]);

/** `count` distinct, unremarkable employee → server flows on high ports. */
export const manyFlows = (count: number): Flow[] =>
  Array.from({ length: count }, (_, n) => makeFlow({ sgt: 4, dgt: 11, dstPort: 20_000 + n }));

/**
 * The knowledge table's lookup, indexed by protocol and port, against the
 * plain reading of the table it replaces: the first service, in table order,
 * whose protocols hold the flow's and whose ports (none: every port) hold its
 * port. Every port of every protocol, forward, reply and infrastructure.
 */
import { describe, expect, test } from 'bun:test';
import { ANY, type FlowKey, type PortBucket } from '../flow.ts';
import { infrastructureService, replyServiceFor, SERVICES, type Service, serviceFor } from './knowledge.ts';

const scan = (protocol: string, port: PortBucket): Service | null =>
  SERVICES.find(
    (s) =>
      (s.protocols as readonly string[]).includes(protocol) &&
      (s.ports.length === 0 ||
        (port !== ANY &&
          s.ports.some((p) => (typeof p === 'number' ? p === port : port >= p[0] && port <= p[1])))),
  ) ?? null;

const name = (s: Service | null): string | null => s?.name ?? null;

describe('knowledge lookup', () => {
  test('every port of every protocol names the service a scan of the table names', () => {
    const wrong: string[] = [];
    for (const protocol of ['tcp', 'udp', 'icmp', 'icmpv6', '47', 'sctp']) {
      for (let port = -1; port <= 65535; port++) {
        const dstPort: PortBucket = port < 0 ? ANY : port;
        const key: FlowKey = { sgt: 10, dgt: 20, protocol, srcPort: ANY, dstPort };
        if (name(serviceFor(key)) !== name(scan(protocol, dstPort))) wrong.push(`${protocol}/${dstPort}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('overlapping entries: the earlier one in the table wins, by exact port or by range', () => {
    const overlaps: string[] = [];
    for (const protocol of ['tcp', 'udp'])
      for (let port = 0; port <= 65535; port++) {
        const all = SERVICES.filter(
          (s) =>
            (s.protocols as readonly string[]).includes(protocol) &&
            s.ports.some((p) => (typeof p === 'number' ? p === port : port >= p[0] && port <= p[1])),
        );
        if (all.length > 1) {
          overlaps.push(`${protocol}/${port}`);
          expect(name(serviceFor({ sgt: 1, dgt: 2, protocol, srcPort: ANY, dstPort: port }))).toBe(
            all[0]!.name,
          );
        }
      }
    // The check above means something only if the table has overlaps to settle.
    expect(overlaps.length).toBeGreaterThan(0);
  });

  test('replies and infrastructure read the source port the same way', () => {
    for (const srcPort of [53, 67, 123, 161, 389, 443, 514, 1000] as const)
      for (const dstPort of [ANY, 53, 40000] as const)
        for (const protocol of ['tcp', 'udp', '17']) {
          const key: FlowKey = { sgt: 1, dgt: 2, protocol, srcPort, dstPort };
          const forward = scan(protocol, dstPort);
          expect(name(replyServiceFor(key))).toBe(forward === null ? name(scan(protocol, srcPort)) : null);
          const normal = protocol === '17' ? 'udp' : protocol;
          const infra = [scan(normal, dstPort), scan(normal, srcPort)].find(
            (s) => s?.infrastructure === true,
          );
          expect(name(infrastructureService(key))).toBe(name(infra ?? null));
        }
  });
});

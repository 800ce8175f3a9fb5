/**
 * One test per protocol family: what the knowledge table and the vendored
 * IANA registry say about the ports, and how the guardrail and rules treat
 * the family whatever the tags are called.
 */
import { describe, expect, test } from 'bun:test';
import type { FlowKey } from '../flow.ts';
import { PORT_RULES } from './abuse.ts';
import { guardrail } from './guardrails.ts';
import { decideHeuristic } from './heuristics.ts';
import { infrastructureService, ServiceKind, serviceFor } from './knowledge.ts';
import { IANA_SOURCE, registered, registrySize } from './registry.ts';

const key = (dstPort: number, protocol = 'tcp', sgt = 1, dgt = 2): FlowKey => ({
  sgt,
  dgt,
  protocol,
  srcPort: 'any',
  dstPort,
});
const kind = (port: number, protocol = 'tcp') => serviceFor(key(port, protocol))?.kind;

describe('protocol families', () => {
  test('the vendored IANA registry says where it came from and names registered ports', () => {
    expect(IANA_SOURCE).toMatchObject({ package: 'netbase', version: '6.4', released: '2022-10-18' });
    expect(registrySize()).toBeGreaterThan(250);
    expect(registered('tcp', 22)?.name).toBe('ssh');
    expect(registered('tcp', 102)?.name).toBe('iso-tsap');
    expect(registered('tcp', 11112)?.name).toBe('dicom');
    expect(registered('tcp', 47000)).toBeNull();
    // A port the knowledge table does not cover still gets its registered name in the rationale.
    expect(
      decideHeuristic({ key: key(5666), srcName: 'grp-app', dstName: 'grp-monitor-srv' }).rationale,
    ).toContain('IANA: nrpe');
  });

  test('infrastructure: DNS, DHCP, NTP, RADIUS, TACACS+, SXP and ISE REST, whatever the tags', () => {
    for (const [port, proto] of [
      [53, 'udp'],
      [67, 'udp'],
      [123, 'udp'],
      [1812, 'udp'],
      [49, 'tcp'],
      [64999, 'tcp'],
      [9063, 'tcp'],
    ] as const) {
      expect(infrastructureService(key(port, proto))).not.toBeNull();
      expect(
        decideHeuristic({ key: key(port, proto), srcName: 'zz-x', dstName: 'zz-y' }).category,
      ).not.toMatch(/irrelevant|harmful/);
    }
  });

  test('industrial: Modbus, S7comm, EtherNet/IP (CIP), DNP3 and OPC UA are spoken inside OT only', () => {
    for (const [port, proto] of [
      [502, 'tcp'],
      [102, 'tcp'],
      [44818, 'tcp'],
      [2222, 'udp'],
      [20000, 'tcp'],
      [4840, 'tcp'],
    ] as const) {
      expect(kind(port, proto)).toBe(ServiceKind.Industrial);
      expect(
        decideHeuristic({ key: key(port, proto), srcName: 'Purdue-L2-HMI', dstName: 'Purdue-L1-PLC' })
          .category,
      ).toBe('business_relevant');
      expect(
        guardrail({ key: key(port, proto), srcName: 'office-laptops', dstName: 'Purdue-L1-PLC' }, 0)
          ?.category,
      ).toBe('harmful');
      expect(guardrail({ key: key(port, proto, 1, 0), srcName: 'Purdue-L1-PLC' }, 0)?.category).toBe(
        'harmful',
      );
    }
  });

  test('clinical: HL7 MLLP and DICOM between clinical systems', () => {
    expect(kind(2575)).toBe(ServiceKind.Clinical);
    expect(kind(104)).toBe(ServiceKind.Clinical);
    expect(
      decideHeuristic({ key: key(2575), srcName: 'EPIC_EHR_APP', dstName: 'CLOVERLEAF_HL7' }).category,
    ).toBe('business_relevant');
    expect(decideHeuristic({ key: key(104), srcName: 'RAD_CT_MODALITY', dstName: 'RAD_PACS' }).category).toBe(
      'business_relevant',
    );
    expect(guardrail({ key: key(2575, 'tcp', 1, 0), srcName: 'CLOVERLEAF_HL7' }, 0)?.category).toBe(
      'harmful',
    );
  });

  test('building: BACnet and access-control panels within building systems', () => {
    expect(kind(47808, 'udp')).toBe(ServiceKind.Building);
    expect(kind(3001)).toBe(ServiceKind.Building);
    expect(
      decideHeuristic({ key: key(47808, 'udp'), srcName: 'Facilities-BMS', dstName: 'Facilities-AHU-Ctrl' })
        .category,
    ).toBe('business_relevant');
    expect(
      guardrail({ key: key(47808, 'udp'), srcName: 'Finance-Desktops', dstName: 'Facilities-BMS' }, 0)
        ?.category,
    ).toBe('harmful');
  });

  test('abuse ports are denied whatever the tags are called: mining, IRC, Tor, P2P, telnet, TR-069', () => {
    for (const port of [14444, 6667, 9050, 6881, 6346, 23, 2323, 7547]) {
      expect(guardrail({ key: key(port), srcName: 'A', dstName: 'B' }, 0)?.category).toBe('harmful');
    }
    for (const port of [3333, 4444, 9001]) {
      expect(guardrail({ key: key(port), srcName: 'A', dstName: 'B' }, 0)).toBeNull();
      expect(guardrail({ key: key(port, 'tcp', 1, 0), srcName: 'A' }, 0)?.category).toBe('harmful');
    }
    expect(PORT_RULES.every((r) => r.reason.length > 20)).toBe(true);
  });

  test('towards the internet: SMTP from anything but a relay, SMB, NetBIOS, SSDP, remote desktop; games are irrelevant', () => {
    const out = (port: number, proto: string, src: string) =>
      guardrail({ key: key(port, proto, 1, 0), srcName: src }, 0)?.category;
    expect(out(25, 'tcp', 'app-servers')).toBe('harmful');
    expect(out(25, 'tcp', 'smtp-relay')).toBeUndefined();
    expect(out(445, 'tcp', 'app-servers')).toBe('harmful');
    expect(out(137, 'udp', 'desktops')).toBe('harmful');
    expect(out(1900, 'udp', 'printers')).toBe('harmful');
    expect(out(3389, 'tcp', 'desktops')).toBe('harmful');
    expect(out(27015, 'udp', 'desktops')).toBe('business_irrelevant');
    expect(out(27015, 'udp', 'guest-wifi')).toBeUndefined();
  });

  test('lateral movement: SMB/RDP/WinRM towards people from people or devices; scanners and servers are not lateral', () => {
    expect(guardrail({ key: key(445), srcName: 'desktops', dstName: 'laptops' }, 0)?.category).toBe(
      'harmful',
    );
    expect(guardrail({ key: key(445), srcName: 'mri-modality', dstName: 'desktops' }, 0)?.category).toBe(
      'harmful',
    );
    expect(guardrail({ key: key(445), srcName: 'vuln-scanner', dstName: 'desktops' }, 0)).toBeNull();
    expect(guardrail({ key: key(445), srcName: 'desktops', dstName: 'file-servers' }, 0)).toBeNull();
  });
});

/**
 * Well-known services by protocol and destination port, each with the reason
 * a reviewer reads. `infrastructure` marks what the network itself needs to
 * work (DESIGN §6: DNS, DHCP, NTP, RADIUS, TACACS+, SXP, ISE policy download);
 * denying one of those breaks logins, addressing or TrustSec itself.
 *
 * ISE policy download: IOS-XE fetches SGACLs and environment data from ISE
 * over RADIUS (1812/1813, with CoA on 1700/3799 to push refreshes) or, since
 * IOS-XE 17.1 / ISE 2.7, over HTTPS REST on tcp 9063 only (Cisco's ISE port
 * reference). ISE's 8443 (portals) and 8905 (posture, client provisioning)
 * serve endpoints, not policy download, so they are listed as ISE endpoint
 * services but not as infrastructure.
 */
import { ANY, type FlowKey, normalizeProtocol } from '../flow.ts';

export const ServiceKind = {
  Infrastructure: 'infrastructure',
  Directory: 'directory',
  Web: 'web',
  File: 'file',
  Mail: 'mail',
  Database: 'database',
  RemoteAdmin: 'remote_admin',
  Monitoring: 'monitoring',
  Print: 'print',
  Voice: 'voice',
  Video: 'video',
  Iot: 'iot',
  Diagnostic: 'diagnostic',
  Insecure: 'insecure',
  Backup: 'backup',
  /** Control protocols of industrial processes (OT/ICS). */
  Industrial: 'industrial',
  /** Clinical data exchange: HL7, DICOM. */
  Clinical: 'clinical',
  /** Building automation and physical security systems. */
  Building: 'building',
} as const;
export type ServiceKind = (typeof ServiceKind)[keyof typeof ServiceKind];

type Proto = 'tcp' | 'udp' | 'icmp' | 'icmpv6';
/** A port or an inclusive range. */
type Ports = readonly (number | readonly [number, number])[];

export interface Service {
  name: string;
  protocols: readonly Proto[];
  /** Empty for ICMP, which has no ports. */
  ports: Ports;
  kind: ServiceKind;
  infrastructure: boolean;
  rationale: string;
}

const svc = (
  name: string,
  protocols: readonly Proto[],
  ports: Ports,
  kind: ServiceKind,
  rationale: string,
): Service => ({
  name,
  protocols,
  ports,
  kind,
  infrastructure: kind === ServiceKind.Infrastructure,
  rationale,
});

const K = ServiceKind;
const TU: readonly Proto[] = ['tcp', 'udp'];

export const SERVICES: readonly Service[] = [
  svc('DNS', TU, [53], K.Infrastructure, 'name resolution; every host needs it'),
  svc('DHCP', ['udp'], [67, 68], K.Infrastructure, 'address assignment; hosts lose their address without it'),
  svc('NTP', ['udp'], [123], K.Infrastructure, 'time sync; Kerberos, certificates and logs depend on it'),
  svc(
    'RADIUS',
    ['udp'],
    [1812, 1813, 1645, 1646],
    K.Infrastructure,
    'network access authentication (802.1X/MAB) and TrustSec environment and SGACL download from ISE',
  ),
  svc(
    'RADIUS CoA',
    ['udp'],
    [1700, 3799],
    K.Infrastructure,
    'ISE change of authorisation: pushes re-authentication and TrustSec policy refreshes to switches',
  ),
  svc(
    'TACACS+',
    ['tcp'],
    [49],
    K.Infrastructure,
    'device administration authentication and command authorisation',
  ),
  svc(
    'SXP',
    ['tcp'],
    [64999],
    K.Infrastructure,
    'SGT Exchange Protocol: carries IP-to-SGT bindings between ISE and network devices',
  ),
  svc(
    'ISE TrustSec REST',
    ['tcp'],
    [9063],
    K.Infrastructure,
    'SGACL and environment-data download from ISE over HTTPS REST (IOS-XE 17.1+)',
  ),
  svc(
    'ISE portals',
    ['tcp'],
    [8443],
    K.Web,
    'ISE guest, sponsor, BYOD and SAML portals; also the usual alternate HTTPS port',
  ),
  svc('ISE posture', TU, [8905], K.Web, 'ISE posture assessment and client provisioning for endpoints'),
  svc('Kerberos', TU, [88, 464], K.Directory, 'Active Directory authentication and password changes'),
  svc('LDAP', TU, [389], K.Directory, 'directory lookups (Active Directory)'),
  svc(
    'LDAPS',
    ['tcp'],
    [636, 3268, 3269],
    K.Directory,
    'directory lookups over TLS and the AD global catalog',
  ),
  svc('MS-RPC', ['tcp'], [135], K.Directory, 'Windows RPC endpoint mapper (domain services, management)'),
  svc('SMB', ['tcp'], [445, 139], K.File, 'Windows file sharing, group policy and logon scripts'),
  svc('NetBIOS', ['udp'], [137, 138], K.File, 'legacy Windows name and datagram services'),
  svc('HTTPS', ['tcp', 'udp'], [443], K.Web, 'web applications and APIs over TLS (udp: QUIC)'),
  svc('HTTP', ['tcp'], [80, 8080], K.Web, 'web traffic in clear text; prefer HTTPS'),
  svc('SSH', ['tcp'], [22], K.RemoteAdmin, 'encrypted remote administration and file transfer'),
  svc('RDP', TU, [3389], K.RemoteAdmin, 'Windows remote desktop'),
  svc('WinRM', ['tcp'], [5985, 5986], K.RemoteAdmin, 'Windows remote management (PowerShell remoting)'),
  svc('VNC', ['tcp'], [[5900, 5903]], K.RemoteAdmin, 'remote desktop (VNC); weakly authenticated by default'),
  svc('SNMP', ['udp'], [161, 162], K.Monitoring, 'device monitoring (polls on 161, traps on 162)'),
  svc('syslog', ['udp', 'tcp'], [514, 601, 6514], K.Monitoring, 'log shipping to collectors'),
  svc(
    'NetFlow/IPFIX',
    ['udp'],
    [2055, 4739, 9995, 9996],
    K.Monitoring,
    'flow telemetry export to collectors',
  ),
  svc('JetDirect', ['tcp'], [9100], K.Print, 'raw printing to network printers'),
  svc('IPP', TU, [631], K.Print, 'Internet Printing Protocol'),
  svc('LPD', ['tcp'], [515], K.Print, 'line printer daemon printing'),
  svc('SIP', TU, [5060], K.Voice, 'VoIP call signalling'),
  svc('SIP-TLS', ['tcp'], [5061], K.Voice, 'VoIP call signalling over TLS'),
  svc('SCCP', ['tcp'], [2000], K.Voice, 'Cisco Skinny: IP phones registering with CUCM'),
  svc('TFTP', ['udp'], [69], K.Voice, 'phone and device configuration download (clear text)'),
  svc('RTP', ['udp'], [[16384, 32767]], K.Voice, 'voice and video media (Cisco RTP range)'),
  svc('RTSP', TU, [554], K.Video, 'camera video streams to recorders'),
  svc('MQTT', ['tcp'], [1883, 8883], K.Iot, 'IoT telemetry to a broker (8883 over TLS)'),
  svc('SMTP', ['tcp'], [25, 587, 465], K.Mail, 'mail submission and relay'),
  svc('IMAP/POP', ['tcp'], [993, 995, 143, 110], K.Mail, 'mailbox access'),
  svc('MS SQL', ['tcp'], [1433], K.Database, 'Microsoft SQL Server'),
  svc('Oracle', ['tcp'], [1521], K.Database, 'Oracle database listener'),
  svc('MySQL', ['tcp'], [3306], K.Database, 'MySQL/MariaDB'),
  svc('PostgreSQL', ['tcp'], [5432], K.Database, 'PostgreSQL'),
  svc(
    'WSUS',
    ['tcp'],
    [8530, 8531],
    K.Web,
    'Windows Server Update Services: patches from the internal update server',
  ),
  svc(
    'NDMP',
    ['tcp'],
    [10000],
    K.Backup,
    'backup servers pulling data from hosts and filers (NDMP and backup agents)',
  ),
  svc('Commvault', ['tcp'], [[8400, 8403]], K.Backup, 'backup agent and media traffic'),
  // Industrial, clinical and building protocols: IANA registers most of them; a system's own members speak them.
  svc(
    'Modbus/TCP',
    ['tcp'],
    [502],
    K.Industrial,
    'PLC and field-device reads and writes; no authentication, any client can change the process',
  ),
  svc(
    'S7comm',
    ['tcp'],
    [102],
    K.Industrial,
    'Siemens S7 PLC programming and data (ISO-TSAP, IANA iso-tsap)',
  ),
  svc(
    'EtherNet/IP',
    ['tcp', 'udp'],
    [44818],
    K.Industrial,
    'CIP explicit messaging to Rockwell/ODVA controllers',
  ),
  svc(
    'EtherNet/IP I/O',
    ['udp'],
    [2222],
    K.Industrial,
    'CIP implicit (cyclic) I/O between controllers and devices',
  ),
  svc('DNP3', ['tcp', 'udp'], [20000], K.Industrial, 'SCADA polling of RTUs and IEDs (utilities, water)'),
  svc(
    'OPC UA',
    ['tcp'],
    [4840, 4843],
    K.Industrial,
    'OPC Unified Architecture: process data to HMIs, historians and MES',
  ),
  svc(
    'BACnet',
    ['udp'],
    [[47808, 47823]],
    K.Building,
    'building automation between the BMS and its controllers (BACnet/IP)',
  ),
  svc(
    'Access-control panel',
    ['tcp'],
    [3001],
    K.Building,
    'access-control panels polling door readers and reporting to the head end',
  ),
  svc(
    'HL7 MLLP',
    ['tcp'],
    [2575],
    K.Clinical,
    'HL7 v2 messages (orders, results, ADT) between clinical systems',
  ),
  svc('DICOM', ['tcp'], [104, 11112], K.Clinical, 'medical images between modalities, PACS and viewers'),
  svc('FTP', ['tcp'], [20, 21], K.Insecure, 'file transfer in clear text; prefer SFTP'),
  svc('Telnet', ['tcp'], [23, 2323], K.Insecure, 'remote login in clear text; credentials are exposed'),
  svc(
    'r-commands',
    ['tcp'],
    [512, 513],
    K.Insecure,
    'rexec/rlogin: remote login in clear text with host-based trust',
  ),
  svc(
    'ICMP',
    ['icmp', 'icmpv6'],
    [],
    K.Diagnostic,
    'ping, unreachables and path-MTU discovery; blocking it breaks troubleshooting and PMTUD',
  ),
];

/** Where each protocol's services sit in SERVICES: by exact port, by range, and the first without ports. */
interface ProtocolIndex {
  exact: Map<number, number>;
  ranges: (readonly [number, number, number])[];
  portless: number;
}

let index: Map<string, ProtocolIndex> | undefined;

/** Built on first use: a lookup per flow, several per flow, must not scan the table. */
function buildIndex(): Map<string, ProtocolIndex> {
  const out = new Map<string, ProtocolIndex>();
  SERVICES.forEach((s, i) => {
    for (const protocol of s.protocols) {
      let p = out.get(protocol);
      if (p === undefined) {
        p = { exact: new Map(), ranges: [], portless: Infinity };
        out.set(protocol, p);
      }
      if (s.ports.length === 0) p.portless = Math.min(p.portless, i);
      for (const port of s.ports) {
        if (typeof port !== 'number') p.ranges.push([port[0], port[1], i]);
        else if (!p.exact.has(port)) p.exact.set(port, i);
      }
    }
  });
  return out;
}

/** The first service of SERVICES (table order decides) on this protocol and port. */
function lookup(protocol: string, port: number | typeof ANY): Service | null {
  index ??= buildIndex();
  const p = index.get(protocol);
  if (p === undefined) return null;
  let first = p.portless;
  if (port !== ANY) {
    first = Math.min(first, p.exact.get(port) ?? Infinity);
    for (const [lo, hi, i] of p.ranges) if (i < first && port >= lo && port <= hi) first = i;
  }
  return first === Infinity ? null : (SERVICES[first] as Service);
}

/** The service the flow's destination port names. */
export const serviceFor = (key: FlowKey): Service | null => lookup(key.protocol, key.dstPort);

/**
 * The service a reply comes from: a well-known source port (the flow key keeps
 * only source ports below 1024) towards an unknown destination port, e.g. a
 * DNS answer from udp/53. SGACLs are stateless, so replies need their own ACE.
 */
export const replyServiceFor = (key: FlowKey): Service | null =>
  key.srcPort === ANY || lookup(key.protocol, key.dstPort) !== null
    ? null
    : lookup(key.protocol, key.srcPort);

/**
 * The one judgement on infrastructure (DESIGN §6): the service the network
 * itself needs that this flow carries, on its destination port or, for a
 * reply (SGACLs are stateless), its well-known source port; null for anything
 * else. Readiness flags an uncovered one critical and classification never
 * denies one on a guess, both through this function, so a proposal cannot
 * deny what readiness calls a blocker. Only protocols and ports decide, never
 * tag names.
 */
export function infrastructureService(key: FlowKey): Service | null {
  const protocol = normalizeProtocol(key.protocol) ?? key.protocol;
  const forward = lookup(protocol, key.dstPort);
  if (forward?.infrastructure === true) return forward;
  const reply = key.srcPort === ANY ? null : lookup(protocol, key.srcPort);
  return reply?.infrastructure === true ? reply : null;
}

/** DESIGN §6: flows the network itself needs (either direction), flagged critical in readiness. */
export const isInfrastructureFlow = (key: FlowKey): boolean => infrastructureService(key) !== null;

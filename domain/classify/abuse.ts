/**
 * Ports tied to abuse, as data: the guardrail denies a flow on one of them
 * whatever its tags are called. Each entry says where it applies (anywhere,
 * towards the outside, between people's devices, or out of anything that is
 * not a mail relay) and why that holds on any network. Ports that legitimate
 * software also uses inside (4444, 5555, 7777, 3333, 9001) are denied only
 * towards the outside, so an internal app on such a port is left to the rules.
 */
import { Category, Risk } from '../types.ts';

export const Scope = {
  /** Any source, any destination: no business software uses the port. */
  Anywhere: 'anywhere',
  /** Towards tag 0 / Unknown or an external group. */
  ToOutside: 'to_outside',
  /** From people's devices or from devices (medical, OT, building, IoT) towards people's devices: lateral movement. */
  ToPeople: 'to_people',
  /** Towards the outside from anything that is not a mail relay. */
  NotRelayToOutside: 'not_relay_to_outside',
  /** Towards the outside from anything but guests (whose leisure traffic is their own). */
  NotGuestToOutside: 'not_guest_to_outside',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export interface PortRule {
  protocol: 'tcp' | 'udp';
  ports: readonly (number | readonly [number, number])[];
  scope: Scope;
  category: Category;
  risk: Risk;
  reason: string;
}

const H = Category.Harmful;
const rule = (
  protocol: 'tcp' | 'udp',
  ports: PortRule['ports'],
  scope: Scope,
  reason: string,
  risk: Risk = Risk.High,
  category: Category = H,
): PortRule => ({ protocol, ports, scope, category, risk, reason });

export const PORT_RULES: readonly PortRule[] = [
  rule(
    'tcp',
    [14444, 45700],
    Scope.Anywhere,
    'Monero/XMRig stratum mining-pool port; no business software uses it',
  ),
  rule(
    'tcp',
    [3333, 4444, 5555, 7777],
    Scope.ToOutside,
    'stratum mining-pool port (4444 is also the Metasploit listener) towards the outside',
  ),
  rule('tcp', [[6660, 6669], 6697], Scope.Anywhere, 'IRC: a classic botnet command-and-control channel'),
  rule(
    'tcp',
    [9030, 9050, 9150],
    Scope.Anywhere,
    'Tor directory or SOCKS proxy: anonymised tunnelling past security controls',
  ),
  rule('tcp', [9001], Scope.ToOutside, 'Tor relay (ORPort) towards the outside: anonymised tunnelling'),
  rule(
    'tcp',
    [[6881, 6889], 6969],
    Scope.Anywhere,
    'BitTorrent peers and tracker: P2P file sharing, a malware and copyright channel',
  ),
  rule('udp', [[6881, 6889]], Scope.Anywhere, 'BitTorrent DHT: P2P file sharing'),
  rule('tcp', [4662, 6346, 6347], Scope.Anywhere, 'eDonkey/Gnutella P2P file sharing'),
  rule('udp', [4672, 6346, 6347], Scope.Anywhere, 'eDonkey/Gnutella P2P file sharing'),
  rule(
    'tcp',
    [23, 2323],
    Scope.Anywhere,
    'telnet: cleartext remote administration, and the port Mirai-style IoT botnets spread on',
  ),
  rule(
    'tcp',
    [512, 513],
    Scope.Anywhere,
    'rexec/rlogin: cleartext remote administration with host-based trust',
  ),
  rule(
    'tcp',
    [7547],
    Scope.Anywhere,
    'TR-069/CWMP router management, mass-exploited by Mirai variants; nothing inside speaks it',
  ),
  rule(
    'tcp',
    [445, 139],
    Scope.ToOutside,
    'SMB towards the outside leaks NTLM credentials and spreads worms (WannaCry)',
    Risk.Critical,
  ),
  rule('udp', [137, 138], Scope.ToOutside, 'NetBIOS towards the outside leaks host and domain names'),
  rule(
    'udp',
    [1900],
    Scope.ToOutside,
    'SSDP/UPnP towards the outside: reflection attacks and UPnP port-mapping abuse',
  ),
  rule(
    'tcp',
    [3389, [5900, 5903], 5985, 5986],
    Scope.ToOutside,
    'remote desktop or remote management to the outside: a remote-control and exfiltration path',
  ),
  rule(
    'tcp',
    [25],
    Scope.NotRelayToOutside,
    'direct SMTP to the outside from anything but the mail relay: spam-bot behaviour, and mail that skips filtering and signing',
  ),
  rule(
    'tcp',
    [445, 139, 135, 3389, 5985, 5986],
    Scope.ToPeople,
    "SMB/RPC/RDP/WinRM towards people's devices from other people's devices or from devices: lateral movement (ransomware, PsExec, pass-the-hash, WannaCry from unpatched modalities)",
  ),
  rule(
    'udp',
    [[27015, 27030], 3074],
    Scope.NotGuestToOutside,
    'game servers (Steam, Xbox Live): no business use',
    Risk.Medium,
    Category.BusinessIrrelevant,
  ),
  rule(
    'tcp',
    [25565, [27015, 27030]],
    Scope.NotGuestToOutside,
    'game servers (Minecraft, Steam): no business use',
    Risk.Medium,
    Category.BusinessIrrelevant,
  ),
];

export const inPorts = (ports: PortRule['ports'], port: number): boolean =>
  ports.some((p) => (typeof p === 'number' ? p === port : port >= p[0] && port <= p[1]));

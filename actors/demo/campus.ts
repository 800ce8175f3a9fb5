/**
 * A simulated campus for first contact (`scopilot serve --demo`): named SGTs,
 * realistic services at realistic rates, and a few flows that must be denied
 * (lateral SMB between workstations, a mining pool, a camera on telnet to the
 * internet, guests reaching the database). Pure: given a second and a random
 * source, it returns that second's SGACLHIT lines.
 */

export const CAMPUS_SGTS: Record<number, string> = {
  0: 'Unknown',
  4: 'Employees',
  5: 'Contractors',
  6: 'Guests',
  7: 'Printers',
  8: 'Cameras',
  9: 'IP_Phones',
  10: 'Web_Servers',
  11: 'Database_Servers',
  12: 'Domain_Controllers',
  13: 'ISE_PSN',
  14: 'Video_Recorders',
  15: 'Voice_Gateways',
};

interface Service {
  sgt: number;
  dgt: number;
  protocol: 'tcp' | 'udp' | 'icmp';
  port: number;
  /** SGACLHIT events per second across the campus. */
  rate: number;
  /** Mean logging_interval_hits per event. */
  hits: number;
  action: 'Permit' | 'Deny';
}

const s = (
  sgt: number,
  dgt: number,
  protocol: Service['protocol'],
  port: number,
  rate: number,
  hits: number,
  action: Service['action'] = 'Permit',
): Service => ({
  sgt,
  dgt,
  protocol,
  port,
  rate,
  hits,
  action,
});

export const CAMPUS_SERVICES: readonly Service[] = [
  s(4, 10, 'tcp', 443, 6, 120),
  s(4, 12, 'udp', 53, 4, 40),
  s(4, 12, 'tcp', 88, 1, 8),
  s(4, 12, 'tcp', 389, 0.8, 12),
  s(4, 7, 'tcp', 9100, 0.3, 6),
  s(4, 7, 'tcp', 631, 0.2, 4),
  s(5, 10, 'tcp', 443, 1.5, 60),
  s(5, 12, 'udp', 53, 1, 10),
  s(6, 0, 'tcp', 443, 3, 200),
  s(6, 12, 'udp', 53, 1, 12),
  s(9, 15, 'udp', 5060, 0.5, 4),
  s(9, 15, 'udp', 16384, 0.5, 900),
  s(8, 14, 'tcp', 554, 1, 1500),
  s(10, 11, 'tcp', 5432, 2, 300),
  s(4, 13, 'udp', 1812, 0.5, 2),
  s(9, 13, 'udp', 1812, 0.1, 1),
  s(7, 12, 'udp', 123, 0.1, 1),
  // Traffic nobody should approve:
  s(4, 4, 'tcp', 445, 0.3, 20, 'Permit'), // lateral SMB between workstations
  s(11, 0, 'tcp', 3333, 0.1, 40, 'Permit'), // a database server talking to a mining pool
  s(8, 0, 'tcp', 23, 0.05, 6, 'Permit'), // a camera on telnet to the internet
  s(6, 11, 'tcp', 1433, 0.1, 3, 'Deny'), // guests probing the database
];

const SUBNETS: Record<number, string> = {
  0: '203.0.113.',
  4: '10.4.',
  5: '10.5.',
  6: '172.16.6.',
  7: '10.7.0.',
  8: '10.8.0.',
  9: '10.9.',
  10: '10.10.0.',
  11: '10.11.0.',
  12: '10.12.0.',
  13: '10.13.0.',
  14: '10.14.0.',
  15: '10.15.0.',
};

function address(tag: number, random: () => number): string {
  const prefix = SUBNETS[tag] ?? '10.99.0.';
  const parts = prefix.split('.').filter(Boolean).length;
  const tail =
    parts === 2
      ? `${Math.floor(random() * 8)}.${1 + Math.floor(random() * 250)}`
      : `${1 + Math.floor(random() * 250)}`;
  return `${prefix}${tail}`;
}

/** Poisson-distributed count with mean `mean` (Knuth; rates here are small). */
function poisson(mean: number, random: () => number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

/** The SGACLHIT lines the campus logs during the second starting at `atMs`. */
export function campusSecond(atMs: number, random: () => number = Math.random): string[] {
  const lines: string[] = [];
  for (const svc of CAMPUS_SERVICES) {
    const events = poisson(svc.rate, random);
    for (let e = 0; e < events; e++) {
      const at = new Date(atMs + Math.floor(random() * 1000)).toISOString();
      const sw = `sw0${1 + Math.floor(random() * 4)}.campus.example.net`;
      const srcPort = svc.protocol === 'icmp' ? 8 : 1024 + Math.floor(random() * 60_000);
      const hits = Math.max(1, Math.round(svc.hits * (0.5 + random())));
      lines.push(
        `${at} ${sw} ${Math.floor(random() * 1e6)}: %RBM-6-SGACLHIT: ingress_interface='GigabitEthernet1/0/${1 + Math.floor(random() * 48)}' ` +
          `sgacl_name='${svc.action === 'Deny' ? 'Deny_IP_Log' : 'Permit_IP_Log'}' action='${svc.action}' protocol='${svc.protocol}' ` +
          `src-ip='${address(svc.sgt, random)}' src-port='${srcPort}' dest-ip='${address(svc.dgt, random)}' dest-port='${svc.port}' ` +
          `sgt='${svc.sgt}' dgt='${svc.dgt}' logging_interval_hits='${hits}'`,
      );
    }
  }
  return lines;
}

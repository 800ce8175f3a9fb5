/**
 * The guardrail floor (DESIGN §7): rules that run before the cache and the
 * model and that no model output can lower. A destination that threat intel
 * calls malicious, or a destination port with a well-documented abuse record
 * in the given direction, is `harmful` — and so denied — whatever else says
 * otherwise. Each port rule carries the reason a reviewer will read.
 */
import { type FlowKey, flowId } from '../flow.ts';
import { Category, type Classification, ClassificationSource, Risk } from '../types.ts';
import { isOutside, isUserDevices, type Role, rolesOf } from './roles.ts';
import type { ThreatVerdict } from './types.ts';
import { cleanUntrusted } from './untrusted.ts';

/** Where a port rule applies. */
export const Scope = {
  /** Any source, any destination. Kept for ports with no common legitimate use. */
  Anywhere: 'anywhere',
  /** Destination is tag 0 / Unknown or a tag named internet/external/outside. */
  ToOutside: 'to_outside',
  /** Source and destination are both user-device groups (lateral movement). */
  UserToUser: 'user_to_user',
  /** A user-device group towards the outside. */
  UserToOutside: 'user_to_outside',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export interface PortRule {
  protocol: 'tcp' | 'udp';
  ports: readonly number[];
  scope: Scope;
  risk: Risk;
  reason: string;
}

/**
 * Known-bad destination ports. Ports that legitimate enterprise software also
 * uses internally (4444, 5555, 7777, 3333, Tor's 9001 — MinIO and Portainer
 * use it) are harmful only towards the outside, so an internal app on such a
 * port is left to the later stages instead of being denied by a floor.
 */
export const PORT_RULES: readonly PortRule[] = [
  {
    protocol: 'tcp',
    ports: [14444, 45700],
    scope: Scope.Anywhere,
    risk: Risk.High,
    reason: 'Monero/XMRig stratum mining-pool port; no business software uses it',
  },
  {
    protocol: 'tcp',
    ports: [3333, 4444, 5555, 7777],
    scope: Scope.ToOutside,
    risk: Risk.High,
    reason:
      'common stratum mining-pool port (4444 is also the Metasploit default listener) towards an outside destination',
  },
  {
    protocol: 'tcp',
    ports: [6667, 6697],
    scope: Scope.Anywhere,
    risk: Risk.High,
    reason: 'IRC: a classic botnet command-and-control channel, not used by business applications',
  },
  {
    protocol: 'tcp',
    ports: [9030, 9050, 9150],
    scope: Scope.Anywhere,
    risk: Risk.High,
    reason: 'Tor directory (9030) or SOCKS proxy (9050/9150): anonymised tunnelling past security controls',
  },
  {
    protocol: 'tcp',
    ports: [9001],
    scope: Scope.ToOutside,
    risk: Risk.High,
    reason: 'Tor relay (ORPort) towards an outside destination: anonymised tunnelling',
  },
  {
    protocol: 'tcp',
    ports: [23],
    scope: Scope.ToOutside,
    risk: Risk.High,
    reason:
      'cleartext telnet towards an outside destination: credential exposure, typical of IoT botnets (Mirai)',
  },
  {
    protocol: 'tcp',
    ports: [445, 139],
    scope: Scope.ToOutside,
    risk: Risk.Critical,
    reason: 'SMB towards an outside destination: leaks NTLM credentials and spreads worms (WannaCry)',
  },
  {
    protocol: 'tcp',
    ports: [445, 139, 135, 3389, 5985, 5986],
    scope: Scope.UserToUser,
    risk: Risk.High,
    reason:
      'SMB/RPC/RDP/WinRM between user devices: lateral movement (ransomware, PsExec, pass-the-hash); user devices are not servers',
  },
  {
    protocol: 'tcp',
    ports: [25],
    scope: Scope.UserToOutside,
    risk: Risk.High,
    reason: 'direct SMTP from user devices to the outside: spam-bot behaviour; mail goes through the relay',
  },
];

const inScope = (scope: Scope, src: ReadonlySet<Role>, dst: ReadonlySet<Role>): boolean => {
  switch (scope) {
    case Scope.Anywhere:
      return true;
    case Scope.ToOutside:
      return isOutside(dst);
    case Scope.UserToUser:
      return isUserDevices(src) && isUserDevices(dst);
    case Scope.UserToOutside:
      return isUserDevices(src) && isOutside(dst);
  }
};

/** The first port rule that applies to this flow, if any. */
export function matchPortRule(key: FlowKey, srcName?: string, dstName?: string): PortRule | null {
  if (typeof key.dstPort !== 'number') return null;
  const port = key.dstPort;
  const src = rolesOf(key.sgt, srcName);
  const dst = rolesOf(key.dgt, dstName);
  return (
    PORT_RULES.find(
      (r) => r.protocol === key.protocol && r.ports.includes(port) && inScope(r.scope, src, dst),
    ) ?? null
  );
}

export interface GuardrailInput {
  key: FlowKey;
  srcName?: string;
  dstName?: string;
  /** Verdicts about the flow's destination addresses. */
  threat?: readonly ThreatVerdict[];
}

const describeVerdict = (v: ThreatVerdict): string => {
  const score = v.score === undefined ? '' : ` (score ${v.score})`;
  const reason = v.reason === undefined ? '' : `: ${cleanUntrusted(v.reason, 120)}`;
  return `${cleanUntrusted(v.provider, 32)}${score}${reason}`;
};

/** `harmful` when a floor rule applies, otherwise null (the later stages decide). */
export function guardrail(input: GuardrailInput, nowMs: number): Classification | null {
  const id = flowId(input.key);
  const malicious = (input.threat ?? []).filter((v) => v.malicious);
  if (malicious.length > 0) {
    return {
      flowId: id,
      category: Category.Harmful,
      risk: Risk.Critical,
      source: ClassificationSource.Guardrail,
      rationale: `guardrail: threat intel flags the destination as malicious — ${malicious.map(describeVerdict).join('; ')}`,
      atMs: nowMs,
    };
  }
  const rule = matchPortRule(input.key, input.srcName, input.dstName);
  if (rule === null) return null;
  return {
    flowId: id,
    category: Category.Harmful,
    risk: rule.risk,
    source: ClassificationSource.Guardrail,
    rationale: `guardrail: ${input.key.protocol}/${input.key.dstPort} — ${rule.reason}`,
    atMs: nowMs,
  };
}

/**
 * The heuristic rules, in order: the first that applies decides. Each pairs a
 * service (knowledge.ts) with what the SGT names suggest (roles.ts) and says
 * why in words a reviewer can check. heuristics.ts builds the context.
 */
import { Category, Risk } from '../types.ts';
import { ServiceKind as K, type Service } from './knowledge.ts';
import { isOutside, isThing, isUserDevices, Role } from './roles.ts';

export interface Decision {
  category: Category;
  risk: Risk;
  rationale: string;
}

/** What the rules see of a flow (a reply is already turned into its request). */
export interface Ctx {
  src: ReadonlySet<Role>;
  dst: ReadonlySet<Role>;
  service: Service | null;
  /** The infrastructure service the flow carries (knowledge.ts `infrastructureService`), whatever its tags. */
  infrastructure: Service | null;
  /** `SSH (tcp/22)` or `tcp/47000`. */
  what: string;
  srcLabel: string;
  dstLabel: string;
}

const C = Category;
const decide = (category: Category, risk: Risk, rationale: string): Decision => ({
  category,
  risk,
  rationale,
});
const is = (s: Service | null, ...kinds: K[]): boolean => s !== null && kinds.includes(s.kind);
const named = (s: Service | null, ...names: string[]): boolean => s !== null && names.includes(s.name);

/** Protocols only network devices and ISE speak; an endpoint group sending them is out of place. */
const NAD_ONLY = ['RADIUS', 'RADIUS CoA', 'TACACS+', 'SXP', 'ISE TrustSec REST'];

export type Rule = (c: Ctx) => Decision | null;

export const RULES: readonly Rule[] = [
  // Infrastructure first, whoever sends it: denying it breaks the network, and readiness flags the same
  // flows critical through the same function. An endpoint group speaking a protocol of network devices
  // is out of place, so it is permitted with high risk for a person to check, never denied on a name.
  (c) => {
    const infra = c.infrastructure;
    if (infra === null) return null;
    const what = infra === c.service ? c.what : infra.name;
    const endpoint =
      c.src.has(Role.Guest) || c.src.has(Role.Quarantine) || isThing(c.src) || isUserDevices(c.src);
    if (endpoint && NAD_ONLY.includes(infra.name) && !c.src.has(Role.Network) && !c.src.has(Role.Admin)) {
      return decide(
        C.Default,
        Risk.High,
        `${what} is spoken by network devices and ISE, not usually by ${c.srcLabel}: kept permitted, ` +
          'since denying infrastructure breaks the network; check why this group sends it',
      );
    }
    return decide(
      C.BusinessRelevant,
      Risk.Critical,
      `infrastructure: ${what} — ${infra.rationale}; denying it breaks the network`,
    );
  },
  // Quarantined hosts get what remediation needs and nothing else.
  (c) => {
    if (c.src.has(Role.Quarantine)) {
      return named(c.service, 'ISE portals', 'ISE posture')
        ? decide(C.BusinessRelevant, Risk.Medium, `quarantined hosts need ${c.what} to remediate`)
        : decide(
            C.BusinessIrrelevant,
            Risk.High,
            `${c.srcLabel} is quarantined: only infrastructure (DNS, DHCP …) and ISE remediation are allowed`,
          );
    }
    return c.dst.has(Role.Quarantine)
      ? decide(C.BusinessIrrelevant, Risk.Medium, `${c.dstLabel} is quarantined: nothing should reach it`)
      : null;
  },
  // Guests get the internet (and the ISE portal), never the inside.
  (c) => {
    if (!c.src.has(Role.Guest)) return null;
    if (c.dst.has(Role.Sensitive)) {
      return decide(
        C.Harmful,
        Risk.Critical,
        `guests (${c.srcLabel}) must never reach the sensitive zone ${c.dstLabel}`,
      );
    }
    if (named(c.service, 'ISE portals', 'ISE posture')) {
      return decide(C.BusinessRelevant, Risk.Low, `guest onboarding: ${c.what}`);
    }
    if (isOutside(c.dst)) {
      return is(c.service, K.Web, K.Diagnostic)
        ? decide(C.Default, Risk.Low, `guest internet access: ${c.what}`)
        : decide(C.Default, Risk.Medium, `guest internet access on ${c.what}; review if it should stay open`);
    }
    return decide(
      C.BusinessIrrelevant,
      Risk.High,
      `guests (${c.srcLabel}) get internet access only; internal ${c.dstLabel} is off-limits (${c.what})`,
    );
  },
  // Cameras and IoT talk to their recorder or controller; anything else is suspicious.
  (c) => {
    if (!isThing(c.src)) return null;
    if (c.dst.has(Role.Recorder))
      return decide(
        C.BusinessRelevant,
        Risk.Low,
        `${c.srcLabel} streaming to its recorder ${c.dstLabel} (${c.what})`,
      );
    if (c.src.has(Role.Iot) && (c.dst.has(Role.Iot) || is(c.service, K.Iot)) && !isOutside(c.dst)) {
      return decide(
        C.Default,
        Risk.Medium,
        `IoT telemetry to what looks like its controller ${c.dstLabel} (${c.what})`,
      );
    }
    return decide(
      C.BusinessIrrelevant,
      Risk.High,
      `suspicious: cameras/IoT (${c.srcLabel}) should talk only to their recorder or controller, NTP and DNS — not ${c.dstLabel} on ${c.what}`,
    );
  },
  (c) => {
    if (!isThing(c.dst)) return null;
    if (c.src.has(Role.Recorder))
      return decide(
        C.BusinessRelevant,
        Risk.Low,
        `recorder ${c.srcLabel} pulling video/config from ${c.dstLabel} (${c.what})`,
      );
    if (c.src.has(Role.Admin) && is(c.service, K.Web, K.RemoteAdmin, K.Monitoring)) {
      return decide(C.BusinessRelevant, Risk.Medium, `administrators managing ${c.dstLabel} (${c.what})`);
    }
    return decide(
      C.BusinessIrrelevant,
      Risk.Medium,
      `only recorders and administrators should reach cameras/IoT (${c.dstLabel}) — not ${c.srcLabel} on ${c.what}`,
    );
  },
  (c) => {
    if (!c.dst.has(Role.Sensitive)) return null;
    if (c.src.has(Role.Admin) && is(c.service, K.RemoteAdmin, K.Web, K.Monitoring)) {
      return decide(
        C.BusinessRelevant,
        Risk.High,
        `administration of the sensitive zone ${c.dstLabel} (${c.what}); keep it narrow`,
      );
    }
    if (
      c.src.has(Role.Server) &&
      !isUserDevices(c.src) &&
      is(c.service, K.Database, K.Web, K.File, K.Directory)
    ) {
      return decide(
        C.BusinessRelevant,
        Risk.Medium,
        `server-to-server access into ${c.dstLabel} (${c.what})`,
      );
    }
    if (isUserDevices(c.src) && is(c.service, K.Web)) {
      return decide(
        C.Default,
        Risk.High,
        `users reaching the sensitive zone ${c.dstLabel} over ${c.what}; confirm it is needed`,
      );
    }
    return decide(
      C.BusinessIrrelevant,
      Risk.High,
      `sensitive zone ${c.dstLabel}: ${c.srcLabel} has no known need for ${c.what}`,
    );
  },
  // Clear-text remote login and file transfer.
  (c) =>
    is(c.service, K.Insecure)
      ? decide(C.BusinessIrrelevant, Risk.Medium, `${c.what}: ${c.service?.rationale}`)
      : null,
  // Managing network devices belongs to administrators and the network itself.
  (c) => {
    if (!c.dst.has(Role.Network) || !is(c.service, K.RemoteAdmin, K.Monitoring)) return null;
    return c.src.has(Role.Admin) || c.src.has(Role.Network) || c.src.has(Role.Server)
      ? decide(C.BusinessRelevant, Risk.Medium, `management of ${c.dstLabel}: ${c.what}`)
      : decide(
          C.BusinessIrrelevant,
          Risk.High,
          `${c.what} to ${c.dstLabel} from ${c.srcLabel}: managing network devices belongs to administrators`,
        );
  },
  (c) => {
    if (is(c.service, K.Print) && (c.dst.has(Role.Printer) || c.dst.has(Role.Server))) {
      return decide(C.BusinessRelevant, Risk.Low, `printing: ${c.what} to ${c.dstLabel}`);
    }
    if (c.src.has(Role.Printer) && is(c.service, K.File, K.Mail) && !isOutside(c.dst)) {
      return decide(C.BusinessRelevant, Risk.Low, `scan-to-folder/e-mail from ${c.srcLabel} (${c.what})`);
    }
    return null;
  },
  (c) =>
    is(c.service, K.Voice) && (c.src.has(Role.Voice) || c.dst.has(Role.Voice) || isUserDevices(c.src))
      ? decide(C.BusinessRelevant, Risk.Low, `voice: ${c.what} — ${c.service?.rationale}`)
      : null,
  (c) => {
    if (!c.src.has(Role.Dev) || !c.dst.has(Role.Prod) || c.dst.has(Role.Dev)) return null;
    return decide(
      C.BusinessIrrelevant,
      Risk.High,
      `development/test (${c.srcLabel}) should not reach production (${c.dstLabel}) on ${c.what}`,
    );
  },
  (c) => {
    if (!isUserDevices(c.src)) return null;
    if (isUserDevices(c.dst)) {
      return is(c.service, K.Diagnostic)
        ? decide(C.Default, Risk.Low, `${c.what} between user devices`)
        : decide(
            C.BusinessIrrelevant,
            Risk.Medium,
            `user devices rarely serve each other: ${c.srcLabel} → ${c.dstLabel} on ${c.what}`,
          );
    }
    if (isOutside(c.dst)) {
      return decide(
        C.Default,
        is(c.service, K.Web, K.Diagnostic) ? Risk.Low : Risk.Medium,
        `users towards an untagged/outside destination on ${c.what}`,
      );
    }
    if (is(c.service, K.Database))
      return decide(C.BusinessRelevant, Risk.Medium, `users querying ${c.dstLabel} directly (${c.what})`);
    if (is(c.service, K.Web, K.File, K.Directory, K.Mail, K.Print)) {
      return decide(
        C.BusinessRelevant,
        Risk.Low,
        `users reaching ${c.dstLabel} on a business service: ${c.what} — ${c.service?.rationale}`,
      );
    }
    return null;
  },
  (c) =>
    c.src.has(Role.Admin) && is(c.service, K.RemoteAdmin, K.Monitoring, K.Web)
      ? decide(C.BusinessRelevant, Risk.Medium, `administrators managing ${c.dstLabel} (${c.what})`)
      : null,
  (c) =>
    c.src.has(Role.Server) && c.dst.has(Role.Server) && c.service !== null && !is(c.service, K.Diagnostic)
      ? decide(C.BusinessRelevant, Risk.Low, `server-to-server ${c.what} — ${c.service.rationale}`)
      : null,
  (c) =>
    c.src.has(Role.Unknown)
      ? decide(
          C.Default,
          Risk.Medium,
          `untagged source (tag 0) reaching ${c.dstLabel} on ${c.what}; tag the source to decide`,
        )
      : null,
];

/** When no rule applies: permitted by default, riskier when nothing is known about the port. */
export const fallback = (c: Ctx): Decision =>
  c.service === null
    ? decide(
        C.Default,
        Risk.Medium,
        `${c.srcLabel} → ${c.dstLabel}: no known service on ${c.what}; permitted by default until reviewed`,
      )
    : decide(C.Default, Risk.Low, `${c.srcLabel} → ${c.dstLabel}: ${c.what} — ${c.service.rationale}`);

/**
 * Port names from the IANA registry as Debian ships it (vendor/iana-services.ts,
 * vendored with its source and date). knowledge.ts says what a service is
 * for; this says what a port is registered as, so a flow on a port the
 * knowledge table does not cover still gets its registered name in the
 * rationale and the prompt instead of a bare number.
 */
import { IANA_SERVICES, IANA_SOURCE } from './vendor/iana-services.ts';

export { IANA_SOURCE };

export interface RegisteredPort {
  name: string;
  port: number;
  protocol: string;
  aliases: readonly string[];
}

let index: Map<string, RegisteredPort> | undefined;

function load(): Map<string, RegisteredPort> {
  const map = new Map<string, RegisteredPort>();
  for (const line of IANA_SERVICES.split('\n')) {
    const [name, portProto, ...aliases] = line.trim().split(' ');
    const m = /^(\d+)\/(tcp|udp|sctp|ddp)$/.exec(portProto ?? '');
    if (name === undefined || name === '' || m === null) continue;
    const key = `${m[2]}/${m[1]}`;
    // The registry lists the primary name first; later duplicates are historical aliases.
    if (!map.has(key)) map.set(key, { name, port: Number(m[1]), protocol: m[2] as string, aliases });
  }
  return map;
}

/** The registered service on `protocol/port`, or null. */
export function registered(protocol: string, port: number): RegisteredPort | null {
  index ??= load();
  return index.get(`${protocol}/${port}`) ?? null;
}

/** How many port/protocol pairs the vendored registry names. */
export const registrySize = (): number => {
  index ??= load();
  return index.size;
};

/**
 * Public surface of engine/: the ports, the actor system, leases, logging,
 * and `openEngine`, which picks the adapter — NATS JetStream when a URL is
 * given, the embedded bun:sqlite engine otherwise.
 */
import { openEmbeddedEngine } from './embedded/mod.ts';
import { type NatsEngineOptions, openNatsEngine } from './nats/mod.ts';
import type { Engine } from './types.ts';

export * from './actor/system.ts';
export * from './actor/types.ts';
export * from './backoff.ts';
export * from './errors.ts';
export * from './lease.ts';
export * from './log.ts';
export * from './store-probe.ts';
export * from './subjects.ts';
export * from './types.ts';

export interface OpenEngineOptions {
  /** `nats://…`; unset means the embedded engine. */
  natsUrl?: string | undefined;
  /** The embedded engine's data directory. */
  dataDir: string;
  /** Connection name shown by `nats server report connections`. */
  name?: string;
  /** Credentials and TLS for NATS (config/nats.ts reads them from the settings). */
  nats?: Pick<NatsEngineOptions, 'user' | 'pass' | 'token' | 'nkeySeed' | 'creds' | 'tls'>;
}

export function openEngine(options: OpenEngineOptions): Promise<Engine> {
  if (options.natsUrl !== undefined) {
    return openNatsEngine({
      ...options.nats,
      servers: options.natsUrl.split(',').map((u) => u.trim()),
      name: options.name ?? 'scopilot',
    });
  }
  return openEmbeddedEngine({ dataDir: options.dataDir });
}

/**
 * A tail of one remote file: the tail actor reading through the SSH client's
 * followers. Put together here, where the sources are wired, so that neither
 * the tail nor the SSH client knows the other; both know only the follower
 * contract below them (engine/sources.ts).
 */
import type { IngestMetrics } from '../actors/tail/ingest.ts';
import type { LinesQuota } from '../actors/tail/quota.ts';
import { FileTail } from '../actors/tail/tail.ts';
import type { SshSource } from '../config/mod.ts';
import type { Logger } from '../engine/log.ts';
import type { EventLog } from '../engine/types.ts';
import { type Backoff, sshFollowers, sshSourceName } from '../integrations/ssh/mod.ts';
import type { Stores } from '../kv-schema/mod.ts';
import type { Subjects } from '../streams/mod.ts';

export interface SshTailDeps {
  log: EventLog;
  stores: Stores;
  subjects: Subjects;
  logger: Logger;
  /** Without a saved position: the remote file from its start, or only what is appended (default). */
  from?: 'start' | 'end';
  metrics?: IngestMetrics;
  /** The tenant's lines-per-second quota; absent: no limit. */
  quota?: LinesQuota;
  intervalMs?: number;
  pollMs?: number;
  backoff?: Backoff;
  /** Connection tuning, mostly for tests: see SshTarget. */
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

export function sshTail(source: SshSource, deps: SshTailDeps): FileTail {
  const name = sshSourceName(source);
  const logger = deps.logger.child({ source: name });
  const follower = sshFollowers(source, {
    logger,
    ...(deps.backoff === undefined ? {} : { backoff: deps.backoff }),
    ...(deps.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: deps.readyTimeoutMs }),
    ...(deps.keepaliveIntervalMs === undefined ? {} : { keepaliveIntervalMs: deps.keepaliveIntervalMs }),
  });
  return new FileTail({
    path: source.path,
    tenant: source.tenant,
    log: deps.log,
    stores: deps.stores,
    subjects: deps.subjects,
    logger,
    follower,
    name,
    kind: 'ssh',
    ...(deps.from === undefined ? {} : { from: deps.from }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    ...(deps.quota === undefined ? {} : { quota: deps.quota }),
    ...(deps.intervalMs === undefined ? {} : { intervalMs: deps.intervalMs }),
    ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
  });
}

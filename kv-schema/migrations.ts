/**
 * The schema migration: create or update every stream and bucket at start-up.
 * Idempotent, so every process runs it and any number may run it at once.
 * Updating includes the replica count: a deployment moved from one replica to
 * three (SCOPILOT_NATS__REPLICAS) has every existing stream and bucket raised
 * in place by its next start, with no data copied by hand.
 */
import type { Engine } from '../engine/types.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../streams/namespace.ts';
import { streamConfigs } from '../streams/streams.ts';
import { type BucketOptions, bucketConfigs } from './buckets.ts';

export interface EnsureReport {
  streams: string[];
  buckets: string[];
}

export async function ensureSchema(
  engine: Engine,
  ns: Namespace = DEFAULT_NAMESPACE,
  options: BucketOptions = {},
): Promise<EnsureReport> {
  const streams = streamConfigs(ns, options.replicas === undefined ? {} : { replicas: options.replicas });
  const buckets = bucketConfigs(ns, options);
  for (const config of streams) await engine.log.ensureStream(config);
  for (const config of buckets) await engine.kv.ensureBucket(config);
  return { streams: streams.map((s) => s.name), buckets: buckets.map((b) => b.name) };
}

/** Remove everything `ensureSchema` made in a namespace (tests, `scopilot` admin tooling). */
export async function dropSchema(engine: Engine, ns: Namespace): Promise<void> {
  for (const config of streamConfigs(ns)) await engine.log.deleteStream(config.name);
  for (const config of bucketConfigs(ns)) await engine.kv.deleteBucket(config.name);
}

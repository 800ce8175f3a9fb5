/** Public surface of kv-schema/: bucket configs, key builders, stored records, the migration. */
export * from './buckets.ts';
export * from './ise-sync-record.ts';
export * from './keys.ts';
export * from './migrations.ts';
export * from './records.ts';
export * from './shared-limit.ts';
export * from './stores.ts';
export * from './typed.ts';

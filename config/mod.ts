/** Public surface of config/: the settings schema and the loader. */

export { describeIse, type IseConnection, iseConnections } from './ise.ts';
export { ConfigError, envName, loadConfig } from './load.ts';
export { describeNats, type NatsAccess, natsAccess } from './nats.ts';
export { QuotaName, type QuotaSettings, type Quotas, quotasOf } from './quotas.ts';
export { type ApiKey, type Config, ConfigSchema, type SshSource, TenantQuotas } from './schema.ts';

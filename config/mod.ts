/** Public surface of config/: the settings schema and the loader. */
export { ConfigError, envName, loadConfig } from './load.ts';
export { type ApiKey, type Config, ConfigSchema } from './schema.ts';

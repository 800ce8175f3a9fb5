import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import type * as v from 'valibot';
import { ConfigError, ConfigSchema, envName, loadConfig } from './mod.ts';

/** Every leaf setting of the schema as its environment variable name. */
function leaves(schema: v.GenericSchema, path: string[] = []): string[] {
  const inner =
    schema.type === 'optional' ? (schema as v.OptionalSchema<v.GenericSchema, unknown>).wrapped : schema;
  if (inner.type === 'strict_object') {
    const entries = (inner as v.StrictObjectSchema<v.ObjectEntries, undefined>).entries;
    return Object.entries(entries).flatMap(([key, child]) =>
      leaves(child as v.GenericSchema, [...path, key]),
    );
  }
  return [envName(path)];
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('config', () => {
  test('defaults follow DESIGN §10', () => {
    const config = loadConfig({});
    expect(config.natsUrl).toBeUndefined();
    expect(config.dataDir).toBe('./data');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8000, trustedOrigins: [] });
    expect(config.defaultTenantId).toBe('default');
    expect(config.api.requireAuth).toBe(true);
    expect(config.api.apiKeys).toEqual([]);
    expect(config.sched).toEqual({ scanIntervalMinutes: 15, classificationCacheDays: 7 });
    expect(config.webex.allowedApprovers).toEqual([]);
  });

  test('values are coerced from strings', () => {
    const config = loadConfig({
      SCOPILOT_NATS_URL: 'nats://127.0.0.1:4222',
      SCOPILOT_HTTP__PORT: '9000',
      SCOPILOT_API__REQUIRE_AUTH: 'false',
      SCOPILOT_API__API_KEYS: '[{"token":"0123456789abcdef","tenant":"acme","role":"admin"}]',
      SCOPILOT_WEBEX__ALLOWED_APPROVERS: 'Ann@Example.com, @corp.example',
    });
    expect(config.natsUrl).toBe('nats://127.0.0.1:4222');
    expect(config.http.port).toBe(9000);
    expect(config.api.requireAuth).toBe(false);
    expect(config.api.apiKeys).toEqual([{ token: '0123456789abcdef', tenant: 'acme', role: 'admin' }]);
    expect(config.webex.allowedApprovers).toEqual(['ann@example.com', '@corp.example']);
  });

  test('one error names every bad and unknown key', () => {
    const problems = problemsOf({
      SCOPILOT_HTTP__PORT: 'eighty',
      SCOPILOT_API__REQUIRE_AUHT: 'true',
      SCOPILOT_API__API_KEYS: '[{"token":"short","tenant":"acme","role":"root"}]',
      SCOPILOT_NATS_URL: 'http://localhost',
      SCOPILOT_DEFAULT_TENANT_ID: 'Not A Tenant',
      SCOPILOT_API_TOKEN: 'client variables are not server settings',
    });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named.sort()).toEqual(
      [
        'SCOPILOT_API__API_KEYS[0]',
        'SCOPILOT_API__REQUIRE_AUHT',
        'SCOPILOT_DEFAULT_TENANT_ID',
        'SCOPILOT_HTTP__PORT',
        'SCOPILOT_NATS_URL',
      ].sort(),
    );
    expect(problems.find((p) => p.startsWith('SCOPILOT_API__REQUIRE_AUHT'))).toContain('unknown setting');
  });

  test('an API key may name its holder by email, normalised; anything else is refused', () => {
    const keys = (user: string) =>
      `[{"token":"0123456789abcdef","tenant":"acme","role":"operator","user":${JSON.stringify(user)}}]`;
    expect(loadConfig({ SCOPILOT_API__API_KEYS: keys(' Ann@Example.com ') }).api.apiKeys[0]).toMatchObject({
      user: 'ann@example.com',
    });
    expect(problemsOf({ SCOPILOT_API__API_KEYS: keys('ann') })[0]).toStartWith('SCOPILOT_API__API_KEYS[0]');
  });

  test('a TLS syslog listener without its certificate and key is refused at start-up', () => {
    expect(problemsOf({ SCOPILOT_SYSLOG__TLS_PORT: '6514' })).toEqual([
      'SCOPILOT_SYSLOG__TLS_PORT: a TLS listener needs SCOPILOT_SYSLOG__TLS_CERT_FILE and SCOPILOT_SYSLOG__TLS_KEY_FILE',
    ]);
    const tls = {
      SCOPILOT_SYSLOG__TLS_CERT_FILE: '/etc/tls/cert.pem',
      SCOPILOT_SYSLOG__TLS_KEY_FILE: '/etc/tls/key.pem',
    };
    expect(loadConfig({ SCOPILOT_SYSLOG__TLS_PORT: '6514', ...tls }).syslog.tlsPort).toBe(6514);
  });

  test('trusted origins are origins: normalised, and anything with a path refused', () => {
    const origins = (s: string) => loadConfig({ SCOPILOT_HTTP__TRUSTED_ORIGINS: s }).http.trustedOrigins;
    expect(origins(' https://Scopilot.Example.com , http://10.0.0.5:8080')).toEqual([
      'https://scopilot.example.com',
      'http://10.0.0.5:8080',
    ]);
    expect(problemsOf({ SCOPILOT_HTTP__TRUSTED_ORIGINS: 'https://a.example.com/ui' })[0]).toStartWith(
      'SCOPILOT_HTTP__TRUSTED_ORIGINS',
    );
  });

  test('an API key list that is not JSON is reported, not thrown raw', () => {
    expect(problemsOf({ SCOPILOT_API__API_KEYS: '[{' })[0]).toStartWith('SCOPILOT_API__API_KEYS: ');
  });

  test('.env.example lists exactly the settings, and its values parse', () => {
    const text = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const entries = [...text.matchAll(/^(SCOPILOT_[A-Z0-9_]+)=(.*)$/gm)].map((m) => [
      m[1] as string,
      m[2] as string,
    ]);
    const listed = entries
      .map(([name]) => name)
      .filter((n) => n !== 'SCOPILOT_API_BASE' && n !== 'SCOPILOT_API_TOKEN');
    expect(listed.sort()).toEqual(leaves(ConfigSchema).sort());
    expect(() => loadConfig(Object.fromEntries(entries))).not.toThrow();
  });
});

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import type * as v from 'valibot';
import {
  ConfigError,
  ConfigSchema,
  describeIse,
  envName,
  iseConnections,
  loadConfig,
  quotasOf,
} from './mod.ts';

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

describe('ISE settings', () => {
  const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const files: Record<string, string> = { '/etc/ise/ca.pem': CA, '/run/secrets/ise-b': 'from-a-file\n' };
  const read = (path: string): string => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
  const base = {
    SCOPILOT_ISE__URL: 'https://ise.example.com:9060',
    SCOPILOT_ISE__USERNAME: 'ersadmin',
    SCOPILOT_ISE__PASSWORD: 'secret-password',
  };
  const connectionProblems = (env: Record<string, string>): string[] => {
    try {
      iseConnections(loadConfig(env), read);
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
    return [];
  };

  test('defaults: no ISE, a 24 h soak, 0.99 readiness, drift every 15 minutes', () => {
    const config = loadConfig({});
    expect(config.ise).toMatchObject({
      insecure: false,
      monitorSoak: 24 * 3_600_000,
      denyDefaultMinReadiness: 0.99,
      driftIntervalMinutes: 15,
      tenants: [],
    });
    expect(iseConnections(config, read)).toEqual([]);
  });

  test('durations and ratios as people write them; anything else is named', () => {
    const soak = (s: string) => loadConfig({ SCOPILOT_ISE__MONITOR_SOAK: s }).ise.monitorSoak;
    expect(soak('30m')).toBe(1_800_000);
    expect(soak('0s')).toBe(0);
    expect(soak('1h30m')).toBe(5_400_000);
    expect(soak(' 2D ')).toBe(2 * 86_400_000);
    expect(loadConfig({ SCOPILOT_ISE__DENY_DEFAULT_MIN_READINESS: '0.95' }).ise.denyDefaultMinReadiness).toBe(
      0.95,
    );
    expect(
      problemsOf({
        SCOPILOT_ISE__MONITOR_SOAK: 'a day',
        SCOPILOT_ISE__DENY_DEFAULT_MIN_READINESS: '1.5',
        SCOPILOT_ISE__DRIFT_INTERVAL_MINUTES: '0',
      })
        .map((p) => p.split(':')[0])
        .sort(),
    ).toEqual([
      'SCOPILOT_ISE__DENY_DEFAULT_MIN_READINESS',
      'SCOPILOT_ISE__DRIFT_INTERVAL_MINUTES',
      'SCOPILOT_ISE__MONITOR_SOAK',
    ]);
  });

  test('the default tenant: URL, credentials and CA bundle read at start-up', () => {
    const [c, ...rest] = iseConnections(
      loadConfig({ ...base, SCOPILOT_ISE__CA_FILE: '/etc/ise/ca.pem', SCOPILOT_DEFAULT_TENANT_ID: 'acme' }),
      read,
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ tenant: 'acme', url: base.SCOPILOT_ISE__URL, username: 'ersadmin', caPem: CA });
    expect(c?.password).toBe('secret-password');
    expect(JSON.stringify(describeIse(c!))).not.toContain('secret-password');
  });

  test('a URL without credentials, credentials without a URL, and http are refused', () => {
    expect(problemsOf({ SCOPILOT_ISE__URL: 'https://ise.example.com' })).toEqual([
      'SCOPILOT_ISE__URL: ISE needs SCOPILOT_ISE__USERNAME and SCOPILOT_ISE__PASSWORD with its URL',
    ]);
    expect(problemsOf({ SCOPILOT_ISE__PASSWORD: 'x' })[0]).toStartWith(
      'SCOPILOT_ISE__URL: set SCOPILOT_ISE__URL',
    );
    expect(problemsOf({ ...base, SCOPILOT_ISE__URL: 'http://ise.example.com' })[0]).toStartWith(
      'SCOPILOT_ISE__URL: must be an https:// URL',
    );
  });

  test('a CA file that cannot be read stops start-up, naming the setting, with no password in the message', () => {
    const problems = connectionProblems({ ...base, SCOPILOT_ISE__CA_FILE: '/etc/ise/missing.pem' });
    expect(problems).toEqual(['SCOPILOT_ISE__CA_FILE: cannot read /etc/ise/missing.pem: no such file']);
    files['/etc/ise/not-pem'] = 'hello';
    expect(connectionProblems({ ...base, SCOPILOT_ISE__CA_FILE: '/etc/ise/not-pem' })).toEqual([
      'SCOPILOT_ISE__CA_FILE: /etc/ise/not-pem holds no PEM certificate',
    ]);
  });

  test('other tenants per tenant, with a password file and their own soak; conflicts are named', () => {
    const tenants = [
      {
        tenant: 'globex',
        url: 'https://ise-b.example.com',
        username: 'ers',
        passwordFile: '/run/secrets/ise-b',
      },
      {
        tenant: 'initech',
        url: 'https://ise-c.example.com',
        username: 'ers',
        password: 'p',
        caFile: '/etc/ise/ca.pem',
        monitorSoak: '30m',
        denyDefaultMinReadiness: 0.9,
      },
    ];
    const config = loadConfig({ ...base, SCOPILOT_ISE__TENANTS: JSON.stringify(tenants) });
    const all = iseConnections(config, read);
    expect(all.map((c) => c.tenant)).toEqual(['default', 'globex', 'initech']);
    expect(all[1]).toMatchObject({ password: 'from-a-file', monitorSoakMs: 86_400_000, insecure: false });
    expect(all[2]).toMatchObject({ caPem: CA, monitorSoakMs: 1_800_000, denyDefaultMinReadiness: 0.9 });

    const twice = JSON.stringify([
      { tenant: 'default', url: 'https://x.example', username: 'u', password: 'p' },
    ]);
    expect(connectionProblems({ ...base, SCOPILOT_ISE__TENANTS: twice })[0]).toStartWith(
      'SCOPILOT_ISE__TENANTS[0].tenant: default already has ISE settings',
    );
    const neither = JSON.stringify([{ tenant: 'x', url: 'https://x.example', username: 'u' }]);
    expect(problemsOf({ SCOPILOT_ISE__TENANTS: neither })[0]).toStartWith(
      'SCOPILOT_ISE__TENANTS[0]: needs password',
    );
    const missing = JSON.stringify([
      { tenant: 'x', url: 'https://x.example', username: 'u', passwordFile: '/nope', caFile: '/nope.pem' },
    ]);
    expect(connectionProblems({ SCOPILOT_ISE__TENANTS: missing }).sort()).toEqual([
      'SCOPILOT_ISE__TENANTS[0].caFile: cannot read /nope.pem: no such file',
      'SCOPILOT_ISE__TENANTS[0].passwordFile: cannot read /nope: no such file',
    ]);
  });
});

describe('quotas', () => {
  test('a tenant entry replaces the defaults field by field; 0 is no limit', () => {
    const config = loadConfig({
      SCOPILOT_QUOTAS__LINES_PER_SECOND: '1000',
      SCOPILOT_QUOTAS__TENANTS: '[{"tenant": "noisy", "linesPerSecond": 10, "flows": 0}]',
    });
    expect(quotasOf(config.quotas, 'noisy')).toEqual({
      linesPerSecond: 10,
      flows: 0,
      openProposals: 500,
      llmCallsPerHour: 120,
    });
    expect(quotasOf(config.quotas, 'quiet').linesPerSecond).toBe(1000);
  });

  test('a tenant listed twice, or a negative quota, is refused naming the variable', () => {
    expect(() => loadConfig({ SCOPILOT_QUOTAS__TENANTS: '[{"tenant": "a"}, {"tenant": "a"}]' })).toThrow(
      /SCOPILOT_QUOTAS__TENANTS.*each tenant may appear once/,
    );
    expect(() => loadConfig({ SCOPILOT_QUOTAS__TENANTS: '[{"tenant": "a", "flows": -1}]' })).toThrow(
      /SCOPILOT_QUOTAS__TENANTS/,
    );
  });
});

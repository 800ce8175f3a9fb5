/**
 * Each tenant's Cisco ISE connection, resolved from the settings at start-up:
 * the default tenant's from `SCOPILOT_ISE__*`, the others' from
 * `SCOPILOT_ISE__TENANTS`, with the files they name (CA bundle, password
 * file) read now. A file that cannot be read stops start-up with a
 * ConfigError naming the setting (exit 2), rather than failing at the first
 * push hours later. Passwords are kept here and handed to the ERS client
 * only: `describeIse` is what may be logged.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './load.ts';
import type { Config } from './schema.ts';

export interface IseConnection {
  tenant: string;
  url: string;
  username: string;
  password: string;
  /** The CA bundle's text, when a file was given. */
  caPem?: string;
  insecure: boolean;
  monitorSoakMs: number;
  denyDefaultMinReadiness: number;
}

export type ReadText = (path: string) => string;

const readText: ReadText = (path) => readFileSync(path, 'utf8');

/** Why a file could not be read, in a few words (ENOENT → no such file). */
function why(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message ?? String(error);
}

/**
 * Every tenant with ISE settings, in settings order (the default tenant
 * first). Throws one ConfigError naming every unreadable file or conflict.
 */
export function iseConnections(config: Config, read: ReadText = readText): IseConnection[] {
  const ise = config.ise;
  const problems: string[] = [];
  const file = (setting: string, path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    try {
      return read(path);
    } catch (error) {
      problems.push(`${setting}: cannot read ${path}: ${why(error)}`);
      return undefined;
    }
  };
  const pem = (setting: string, path: string | undefined): string | undefined => {
    const text = file(setting, path);
    if (text !== undefined && !text.includes('-----BEGIN CERTIFICATE-----')) {
      problems.push(`${setting}: ${path} holds no PEM certificate`);
      return undefined;
    }
    return text;
  };
  const out: IseConnection[] = [];
  if (ise.url !== undefined && ise.username !== undefined && ise.password !== undefined) {
    const caPem = pem('SCOPILOT_ISE__CA_FILE', ise.caFile);
    out.push({
      tenant: config.defaultTenantId,
      url: ise.url,
      username: ise.username,
      password: ise.password,
      ...(caPem === undefined ? {} : { caPem }),
      insecure: ise.insecure,
      monitorSoakMs: ise.monitorSoak,
      denyDefaultMinReadiness: ise.denyDefaultMinReadiness,
    });
  }
  ise.tenants.forEach((t, i) => {
    const at = `SCOPILOT_ISE__TENANTS[${i}]`;
    if (out.some((o) => o.tenant === t.tenant)) {
      problems.push(
        `${at}.tenant: ${t.tenant} already has ISE settings` +
          (t.tenant === config.defaultTenantId ? ' (SCOPILOT_ISE__URL is the default tenant’s)' : ''),
      );
      return;
    }
    const password = t.password ?? file(`${at}.passwordFile`, t.passwordFile)?.replace(/\r?\n$/, '');
    const caPem = pem(`${at}.caFile`, t.caFile);
    if (password === undefined) return;
    if (password === '') {
      problems.push(`${at}.passwordFile: ${t.passwordFile} is empty`);
      return;
    }
    out.push({
      tenant: t.tenant,
      url: t.url,
      username: t.username,
      password,
      ...(caPem === undefined ? {} : { caPem }),
      insecure: t.insecure,
      monitorSoakMs: t.monitorSoak ?? ise.monitorSoak,
      denyDefaultMinReadiness: t.denyDefaultMinReadiness ?? ise.denyDefaultMinReadiness,
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}

/** What may be logged about a connection: never the password. */
export function describeIse(c: IseConnection): Record<string, unknown> {
  return {
    tenant: c.tenant,
    url: c.url,
    username: c.username,
    ca: c.caPem === undefined ? (c.insecure ? 'none (insecure)' : 'system roots') : 'configured',
    insecure: c.insecure,
    monitorSoakMs: c.monitorSoakMs,
    denyDefaultMinReadiness: c.denyDefaultMinReadiness,
  };
}

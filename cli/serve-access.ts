/**
 * How `serve` lets people in, and what it tells them at start-up: API
 * authentication from the settings; on a first start with nothing
 * configured, a one-off admin token (else everyone would be locked out);
 * and the lines a person reads first, the dashboard's address and that token.
 */
import type { Config } from '../config/mod.ts';
import { Authenticator, bootstrapKey } from '../edge/auth.ts';
import type { Logger } from '../engine/log.ts';

export interface ApiAccess {
  auth: Authenticator;
  /** The one-off admin token of the default tenant, when one was made. */
  bootstrapToken?: string;
}

export function apiAccess(config: Config, logger: Logger): ApiAccess {
  const api = config.api;
  const oidc = api.oidcJwksUrl
    ? { jwksUrl: api.oidcJwksUrl, issuer: api.oidcIssuer, audience: api.oidcAudience }
    : undefined;
  let keys = api.apiKeys;
  let bootstrapToken: string | undefined;
  if (!api.requireAuth) {
    logger.warn(
      'SCOPILOT_API__REQUIRE_AUTH=false: every request is the admin of the default tenant. For local development only.',
    );
  } else if (keys.length === 0 && oidc === undefined) {
    const boot = bootstrapKey(config.defaultTenantId);
    keys = [boot.key];
    bootstrapToken = boot.token;
  }
  const auth = new Authenticator({
    requireAuth: api.requireAuth,
    apiKeys: keys,
    defaultTenant: config.defaultTenantId,
    trustedOrigins: config.http.trustedOrigins,
    ...(oidc ? { oidc } : {}),
  });
  return { auth, ...(bootstrapToken === undefined ? {} : { bootstrapToken }) };
}

/** The dashboard's address: a wildcard listening address is reached as localhost. */
export function dashboardUrl(listening: string): string {
  const url = new URL(listening);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = 'localhost';
  return `${url.origin}/ui`;
}

/** For stderr once the port is bound (stdout carries the JSON logs). */
export function startupMessage(o: { url: string; tenant: string; bootstrapToken?: string }): string {
  const lines = ['', `Segmentation Copilot is up. Dashboard: ${dashboardUrl(o.url)}`];
  if (o.bootstrapToken !== undefined) {
    lines.push(
      `Bootstrap admin token for tenant "${o.tenant}" (valid until restart; sign in with it, or set it as SCOPILOT_API_TOKEN for the CLI):`,
      `  ${o.bootstrapToken}`,
      `For tokens that last across restarts: npx scopilot token create --tenant ${o.tenant} --role admin,`,
      'then put the entry it prints in SCOPILOT_API__API_KEYS.',
    );
  }
  return `${lines.join('\n')}\n`;
}

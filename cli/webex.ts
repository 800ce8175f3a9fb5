/**
 * `scopilot webex register --url URL`: creates or updates the bot's two
 * WebEx webhooks (card button presses and messages to the bot) so they point
 * at this installation's `/webhooks/webex` and are signed with its secret.
 * Safe to run again: existing webhooks are updated, never duplicated.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/mod.ts';
import { WebexClient } from '../integrations/webex/client.ts';
import { ensureWebhooks, type WebhookRegistration } from '../integrations/webex/webhooks.ts';
import { ExitCode, Usage, UsageError } from './usage.ts';

export const WEBEX_USAGE = Usage.webex;

export interface RegisterWebhooksOptions {
  /** `webex.apiBaseUrl`. */
  apiBaseUrl: string;
  /** `webex.botAccessToken`. */
  token: string;
  /** `webex.webhookSecret`. */
  secret: string;
  /** The public URL WebEx will POST to, e.g. `https://scopilot.example.com/webhooks/webex`. */
  url: string;
}

export async function registerWebhooks(o: RegisterWebhooksOptions): Promise<WebhookRegistration[]> {
  let target: URL;
  try {
    target = new URL(o.url);
  } catch {
    throw new UsageError(`--url ${o.url} is not a URL`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new UsageError(`--url must be an http(s) URL, not ${target.protocol}`);
  }
  return ensureWebhooks(new WebexClient({ baseUrl: o.apiBaseUrl, token: o.token }), {
    targetUrl: target.href,
    secret: o.secret,
  });
}

/** The `webex` command: settings from SCOPILOT_WEBEX__* (token, secret, API base URL). */
export async function runWebex(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'register') throw new UsageError(`usage: ${WEBEX_USAGE}`);
  const { values } = parseArgs({ args: rest, options: { url: { type: 'string' } }, strict: true });
  if (values.url === undefined) throw new UsageError(`usage: ${WEBEX_USAGE}`);
  const { webex } = loadConfig();
  if (webex.botAccessToken === undefined || webex.webhookSecret === undefined) {
    throw new UsageError('set SCOPILOT_WEBEX__BOT_ACCESS_TOKEN and SCOPILOT_WEBEX__WEBHOOK_SECRET first');
  }
  const done = await registerWebhooks({
    apiBaseUrl: webex.apiBaseUrl,
    token: webex.botAccessToken,
    secret: webex.webhookSecret,
    url: values.url,
  });
  for (const r of done) console.log(`${r.outcome} webhook for ${r.resource} (${r.id})`);
  return ExitCode.Ok;
}

/**
 * Registering the bot's two webhooks (card button presses and messages to
 * the bot) idempotently: a webhook of the same resource that has our name or
 * already points at our URL is updated in place (URL, secret, reactivated),
 * otherwise one is created. Running it again never adds duplicates.
 */
import { type WebexApi, type Webhook, WebhookResource } from './schemas.ts';

export const WEBHOOK_NAMES: Record<WebhookResource, string> = {
  [WebhookResource.AttachmentActions]: 'scopilot card actions',
  [WebhookResource.Messages]: 'scopilot messages',
};

export interface WebhookRegistration {
  resource: WebhookResource;
  id: string;
  outcome: 'created' | 'updated';
}

export async function ensureWebhooks(
  api: WebexApi,
  o: { targetUrl: string; secret: string },
): Promise<WebhookRegistration[]> {
  const existing = await api.listWebhooks();
  const out: WebhookRegistration[] = [];
  for (const resource of Object.values(WebhookResource)) {
    const name = WEBHOOK_NAMES[resource];
    const mine = (w: Webhook) =>
      w.resource === resource && w.event === 'created' && (w.name === name || w.targetUrl === o.targetUrl);
    const found = existing.find(mine);
    if (found === undefined) {
      const made = await api.createWebhook({
        name,
        targetUrl: o.targetUrl,
        resource,
        event: 'created',
        secret: o.secret,
      });
      out.push({ resource, id: made.id, outcome: 'created' });
    } else {
      await api.updateWebhook(found.id, { name, targetUrl: o.targetUrl, secret: o.secret });
      out.push({ resource, id: found.id, outcome: 'updated' });
    }
  }
  return out;
}

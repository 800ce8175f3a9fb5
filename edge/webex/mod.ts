/** Public surface of edge/webex/: the WebEx webhook router (mount at `/webhooks/webex`). */
export { type WebexWebhook, type WebexWebhookOptions, webexWebhook } from './webhook.ts';

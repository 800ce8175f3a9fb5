/**
 * Public surface of integrations/webex/: the REST client and its port, the
 * wire schemas, and the pure parts of the approval bot (cards, summaries,
 * chat commands, approver rules, room ↔ tenant links, webhook registration).
 */
export * from './approvers.ts';
export * from './cards.ts';
export * from './client.ts';
export * from './commands.ts';
export { retryAfterMs, WebexError, WebexErrorCode } from './http.ts';
export * from './rooms.ts';
export * from './schemas.ts';
export * from './summary.ts';
export { channelWords, MAX_MARKDOWN_BYTES } from './text.ts';
export * from './webhooks.ts';

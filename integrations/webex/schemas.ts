/**
 * The WebEx wire format, as valibot schemas: what the REST API answers and
 * what a webhook delivers (reference/webex.md). Objects are not strict, so a
 * field WebEx adds later does not break the bot; every field the bot reads is
 * checked and capped, because answers and deliveries are outside input.
 */
import * as v from 'valibot';

/** WebEx ids are base64 of `ciscospark://…` URIs: long, but bounded. */
const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(512));
const Iso = v.pipe(v.string(), v.isoTimestamp());
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const Person = v.object({
  id: Id,
  emails: v.pipe(v.array(Text(320)), v.maxLength(16)),
  displayName: v.optional(Text(256)),
});
export type Person = v.InferOutput<typeof Person>;

export const Message = v.object({
  id: Id,
  roomId: Id,
  parentId: v.optional(Id),
  /** 7439 bytes at most on the way in; a little room for what WebEx adds. */
  text: v.optional(Text(10_000)),
  personId: v.optional(Id),
  personEmail: v.optional(Text(320)),
  created: v.optional(Iso),
});
export type Message = v.InferOutput<typeof Message>;

export const AttachmentAction = v.object({
  id: Id,
  type: v.literal('submit'),
  messageId: Id,
  personId: Id,
  roomId: Id,
  /** The card's `Action.Submit` data merged with its inputs' values. */
  inputs: v.record(v.string(), v.unknown()),
  created: Iso,
});
export type AttachmentAction = v.InferOutput<typeof AttachmentAction>;

export const WebhookResource = { AttachmentActions: 'attachmentActions', Messages: 'messages' } as const;
export type WebhookResource = (typeof WebhookResource)[keyof typeof WebhookResource];

export const Webhook = v.object({
  id: Id,
  name: Text(256),
  targetUrl: Text(2048),
  resource: Text(64),
  event: Text(64),
  filter: v.optional(Text(1024)),
  status: v.optional(Text(32)),
});
export type Webhook = v.InferOutput<typeof Webhook>;

export const WebhookList = v.object({ items: v.array(Webhook) });

/** A webhook delivery: ids only, the content is fetched with the bot's token. */
export const WebhookDelivery = v.object({
  /** The webhook's id (the same for all its deliveries). */
  id: Id,
  resource: v.picklist(Object.values(WebhookResource)),
  event: v.literal('created'),
  data: v.object({
    /** The attachment action's or message's id: what makes a delivery unique. */
    id: Id,
    roomId: Id,
    personId: v.optional(Id),
    personEmail: v.optional(Text(320)),
  }),
});
export type WebhookDelivery = v.InferOutput<typeof WebhookDelivery>;

/** WebEx's error body: `{message, errors: [{description}], trackingId}`. */
export const ErrorBody = v.object({
  message: v.optional(Text(2000)),
  trackingId: v.optional(Text(256)),
});

/** An adaptive card attachment as `POST /messages` takes it. */
export interface CardAttachment {
  contentType: 'application/vnd.microsoft.card.adaptive';
  content: Record<string, unknown>;
}

export interface OutgoingMessage {
  roomId: string;
  /** Also the fallback for clients that cannot render the card. */
  markdown: string;
  attachments?: CardAttachment[];
  /** Reply in the thread of this (top-level) message. */
  parentId?: string;
}

export interface WebhookSpec {
  name: string;
  targetUrl: string;
  resource: WebhookResource;
  event: 'created';
  secret: string;
}

/**
 * The WebEx REST API as the bot uses it: the port the notifier, the webhook
 * handler and the CLI take, so tests can point them at a loopback fake.
 */
export interface WebexApi {
  postMessage(message: OutgoingMessage): Promise<Message>;
  getMessage(id: string): Promise<Message>;
  getAttachmentAction(id: string): Promise<AttachmentAction>;
  getPerson(id: string): Promise<Person>;
  /** The bot itself. */
  me(): Promise<Person>;
  listWebhooks(): Promise<Webhook[]>;
  createWebhook(spec: WebhookSpec): Promise<Webhook>;
  updateWebhook(id: string, spec: Omit<WebhookSpec, 'resource' | 'event'>): Promise<Webhook>;
}

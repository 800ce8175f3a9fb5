/**
 * `POST /webhooks/webex`: where WebEx delivers card button presses and
 * messages to the bot. The raw body is read once and its signature checked
 * before anything else; a missing or wrong one is a 401 and nothing more.
 * A genuine delivery is answered 200 at once (WebEx wants a quick answer) and
 * handled after the response; each such task is tracked, its failure logged,
 * and `drain()` waits for them on shutdown. No bearer auth here: the
 * signature is the authentication.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as v from 'valibot';
import type { Logger } from '../../engine/log.ts';
import type { Engine } from '../../engine/types.ts';
import { type RoomDirectory, type WebexApi, WebhookDelivery } from '../../integrations/webex/mod.ts';
import { Bucket, bucketName, type Stores } from '../../kv-schema/mod.ts';
import type { Namespace, Subjects } from '../../streams/mod.ts';
import { problem } from '../problem.ts';
import { WebhookHandler } from './handler.ts';
import { DeliveryLog } from './replay.ts';
import { signatureKey, verifySignature } from './signature.ts';

/** Deliveries are about a kilobyte; anything near this is not from WebEx. */
const MAX_BODY_BYTES = 64 * 1024;
/** How long delivery ids are remembered: far beyond any WebEx retry. */
const REPLAY_TTL_MS = 24 * 60 * 60_000;

export interface WebexWebhookOptions {
  engine: Engine;
  stores: Stores;
  ns: Namespace;
  subjects: Subjects;
  api: WebexApi;
  /** `webex.webhookSecret`: the secret the webhooks were registered with. */
  secret: string;
  rooms: RoomDirectory;
  allowedApprovers: readonly string[];
  logger: Logger;
  /** Answer 503 until the engine is up (WebEx retries). */
  ready?: () => boolean;
  /** Content older than this is refused (default 1 h). */
  maxAgeMs?: number;
  now?: () => number;
}

export interface WebexWebhook {
  /** Mount at `/webhooks/webex`. */
  routes: Hono;
  /** Resolves when every accepted delivery has been handled. */
  drain(): Promise<void>;
}

const decoder = new TextDecoder();

export function webexWebhook(o: WebexWebhookOptions): WebexWebhook {
  const log = o.logger.child({ component: 'webex' });
  const key = signatureKey(o.secret);
  let handler: Promise<WebhookHandler> | null = null;
  const handlerOf = (): Promise<WebhookHandler> => {
    // The state bucket is opened on first use: the router is built before the engine's schema exists.
    handler ??= o.engine.kv.bucket(bucketName(Bucket.State, o.ns)).then(
      (bucket) =>
        new WebhookHandler({
          ...o,
          logger: log,
          deliveries: new DeliveryLog(bucket, {
            ttlMs: REPLAY_TTL_MS,
            logger: log,
            ...(o.now ? { now: o.now } : {}),
          }),
        }),
    );
    handler.catch(() => {
      handler = null;
    });
    return handler;
  };
  const inflight = new Set<Promise<void>>();

  const routes = new Hono();
  routes.post(
    '/',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => problem({ title: 'Payload too large', status: 413, detail: 'not a WebEx delivery' }),
    }),
    async (c) => {
      if (o.ready && !o.ready()) {
        return problem({ title: 'Service unavailable', status: 503, detail: 'starting; try again shortly' });
      }
      const raw = new Uint8Array(await c.req.arrayBuffer());
      if (!(await verifySignature(await key, raw, c.req.header('x-spark-signature')))) {
        log.warn(
          { from: c.req.header('x-forwarded-for') },
          'webex delivery with a missing or wrong signature',
        );
        return problem({
          title: 'Unauthorized',
          status: 401,
          detail: 'missing or invalid X-Spark-Signature',
        });
      }
      let body: unknown = null;
      try {
        body = JSON.parse(decoder.decode(raw));
      } catch {
        // reported as unreadable below
      }
      const delivery = v.safeParse(WebhookDelivery, body);
      if (!delivery.success) {
        // Signed, so from whoever holds the secret: acknowledged (no retries), not acted on.
        log.warn({ issues: delivery.issues.length }, 'signed webex delivery of an unexpected shape; ignored');
        return c.json({ ignored: true });
      }
      const d = delivery.output;
      const task = handlerOf()
        .then((h) => h.handle(d))
        .catch((error) =>
          log.error(
            { err: error, resource: d.resource, id: d.data.id },
            'webex delivery could not be handled',
          ),
        )
        .finally(() => inflight.delete(task));
      inflight.add(task);
      return c.json({ accepted: true });
    },
  );

  return {
    routes,
    drain: async () => {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}

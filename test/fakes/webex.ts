/**
 * A loopback fake of the WebEx REST API (reference/webex.md), for the bot's
 * tests: messages (POST, GET), attachment actions (GET), people (GET, `me`)
 * and webhooks (list, create, update), behind the bot's bearer token. It
 * records what the bot posted, can answer 429 with Retry-After, and lets a
 * test play the people in the room: press a card button, write a message,
 * then deliver the signed webhook to the bot.
 */
import { createHmac } from 'node:crypto';

export interface FakePerson {
  id: string;
  emails: string[];
  displayName: string;
}

export interface FakeMessage {
  id: string;
  roomId: string;
  parentId?: string;
  text?: string;
  markdown?: string;
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  personId: string;
  personEmail: string;
  created: string;
}

export interface FakeAction {
  id: string;
  type: 'submit';
  messageId: string;
  personId: string;
  roomId: string;
  inputs: Record<string, unknown>;
  created: string;
}

export interface FakeWebhook {
  id: string;
  name: string;
  targetUrl: string;
  resource: string;
  event: string;
  secret?: string;
  status: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
  atMs: number;
}

export interface FakeWebex {
  /** Base URL including `/v1`, as `webex.apiBaseUrl` takes it. */
  url: string;
  token: string;
  bot: FakePerson;
  /** What the bot posted, in order. */
  posted: FakeMessage[];
  calls: RecordedCall[];
  webhooks: FakeWebhook[];
  addPerson(email: string, displayName?: string): FakePerson;
  /** Someone pressed a button of card `messageId`. */
  addAction(a: {
    person: FakePerson;
    roomId: string;
    messageId: string;
    inputs: Record<string, unknown>;
  }): FakeAction;
  /** Someone wrote to the bot. */
  addMessage(m: { person: FakePerson; roomId: string; text: string; created?: string }): FakeMessage;
  /** The next `n` calls (of `method`, when given) answer 429 with this Retry-After. */
  throttle(n: number, retryAfterSeconds: number, method?: string): void;
  stop(): Promise<void>;
}

const ID_KIND = {
  MESSAGE: 'MESSAGE',
  ACTION: 'ATTACHMENT_ACTION',
  PEOPLE: 'PEOPLE',
  WEBHOOK: 'WEBHOOK',
} as const;
const fakeId = (kind: string): string =>
  Buffer.from(`ciscospark://us/${kind}/${crypto.randomUUID()}`).toString('base64url');

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { trackingid: `fake_${crypto.randomUUID()}`, ...headers } });
const error = (status: number, message: string, headers?: Record<string, string>) =>
  json(status, { message, errors: [{ description: message }], trackingId: 'fake' }, headers);

export async function startFakeWebex(o: { token?: string; botName?: string } = {}): Promise<FakeWebex> {
  const token = o.token ?? 'fake-bot-token-0123456789';
  const people = new Map<string, FakePerson>();
  const messages = new Map<string, FakeMessage>();
  const actions = new Map<string, FakeAction>();
  const posted: FakeMessage[] = [];
  const calls: RecordedCall[] = [];
  const webhooks: FakeWebhook[] = [];
  const throttles: { retryAfter: number; method?: string }[] = [];

  const addPerson = (email: string, displayName = email.split('@')[0] ?? email): FakePerson => {
    const person = { id: fakeId(ID_KIND.PEOPLE), emails: [email], displayName };
    people.set(person.id, person);
    return person;
  };
  const bot = addPerson('scopilot@webex.bot', o.botName ?? 'Scopilot Bot');

  async function route(req: Request, path: string): Promise<Response> {
    if (req.headers.get('authorization') !== `Bearer ${token}`)
      return error(401, 'The request requires a valid access token.');
    const i = throttles.findIndex((t) => t.method === undefined || t.method === req.method);
    if (i >= 0) {
      const [t] = throttles.splice(i, 1);
      return error(429, 'Too many requests', { 'retry-after': String(t?.retryAfter ?? 1) });
    }
    const [, resource, id, extra] = /^\/v1\/([a-z]+(?:\/actions)?)(?:\/([^/]+))?(\/.*)?$/.exec(path) ?? [];
    if (extra !== undefined) return error(404, 'not found');
    const body = req.method === 'POST' || req.method === 'PUT' ? await req.json().catch(() => null) : null;
    switch (`${req.method} ${resource}${id === undefined ? '' : '/:id'}`) {
      case 'POST messages': {
        const b = body as Partial<FakeMessage> | null;
        if (!b?.roomId || !(b.markdown || b.text))
          return error(400, 'roomId and text or markdown are required');
        if ((b.attachments?.length ?? 0) > 1) return error(400, 'only one card per message');
        const message: FakeMessage = {
          ...b,
          id: fakeId(ID_KIND.MESSAGE),
          roomId: b.roomId,
          personId: bot.id,
          personEmail: bot.emails[0] ?? '',
          created: new Date().toISOString(),
        };
        messages.set(message.id, message);
        posted.push(message);
        return json(200, message);
      }
      case 'GET messages/:id':
        return found(messages.get(decodeURIComponent(id ?? '')));
      case 'GET attachment/actions/:id':
        return found(actions.get(decodeURIComponent(id ?? '')));
      case 'GET people/:id':
        return found(id === 'me' ? bot : people.get(decodeURIComponent(id ?? '')));
      case 'GET webhooks':
        return json(200, { items: webhooks.map(({ secret: _, ...w }) => w) });
      case 'POST webhooks': {
        const b = body as Partial<FakeWebhook> | null;
        if (!b?.name || !b.targetUrl || !b.resource || !b.event) return error(400, 'missing webhook fields');
        const hook: FakeWebhook = {
          id: fakeId(ID_KIND.WEBHOOK),
          name: b.name,
          targetUrl: b.targetUrl,
          resource: b.resource,
          event: b.event,
          status: 'active',
          ...(b.secret ? { secret: b.secret } : {}),
        };
        webhooks.push(hook);
        const { secret: _, ...shown } = hook;
        return json(200, shown);
      }
      case 'PUT webhooks/:id': {
        const hook = webhooks.find((w) => w.id === decodeURIComponent(id ?? ''));
        const b = body as Partial<FakeWebhook> | null;
        if (hook === undefined) return error(404, 'no such webhook');
        if (!b?.name || !b.targetUrl) return error(400, 'name and targetUrl are required');
        Object.assign(hook, { name: b.name, targetUrl: b.targetUrl, status: b.status ?? hook.status });
        if (b.secret) hook.secret = b.secret;
        const { secret: _, ...shown } = hook;
        return json(200, shown);
      }
      default:
        return error(404, `no route ${req.method} ${path}`);
    }
  }

  const found = (x: unknown) =>
    x === undefined ? error(404, 'The requested resource could not be found.') : json(200, x);

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const res = await route(req, path);
      calls.push({ method: req.method, path, status: res.status, atMs: Date.now() });
      return res;
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    token,
    bot,
    posted,
    calls,
    webhooks,
    addPerson,
    addAction: ({ person, roomId, messageId, inputs }) => {
      const action: FakeAction = {
        id: fakeId(ID_KIND.ACTION),
        type: 'submit',
        messageId,
        personId: person.id,
        roomId,
        inputs,
        created: new Date().toISOString(),
      };
      actions.set(action.id, action);
      return action;
    },
    addMessage: ({ person, roomId, text, created }) => {
      const message: FakeMessage = {
        id: fakeId(ID_KIND.MESSAGE),
        roomId,
        text,
        personId: person.id,
        personEmail: person.emails[0] ?? '',
        created: created ?? new Date().toISOString(),
      };
      messages.set(message.id, message);
      return message;
    },
    throttle: (n, retryAfterSeconds, method) => {
      for (let i = 0; i < n; i++)
        throttles.push({ retryAfter: retryAfterSeconds, ...(method ? { method } : {}) });
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}

/** The hex HMAC-SHA1 of a body, as WebEx puts it in `X-Spark-Signature`. */
export const sign = (secret: string, body: string): string =>
  createHmac('sha1', secret).update(body, 'utf8').digest('hex');

/** A webhook delivery body for an action or a message, as WebEx sends it. */
export function deliveryBody(
  resource: 'attachmentActions' | 'messages',
  item: { id: string; roomId: string; personId: string },
): string {
  return JSON.stringify({
    id: fakeId(ID_KIND.WEBHOOK),
    name: `fake ${resource}`,
    targetUrl: 'https://bot.example.com/webhooks/webex',
    resource,
    event: 'created',
    orgId: 'org',
    createdBy: 'creator',
    appId: 'app',
    ownedBy: 'creator',
    status: 'active',
    actorId: item.personId,
    data: { id: item.id, roomId: item.roomId, personId: item.personId, created: new Date().toISOString() },
  });
}

/** POST a delivery to the bot; `signature: null` sends none, a string sends that one instead. */
export function deliver(
  target: string,
  body: string,
  o: { secret?: string; signature?: string | null } = {},
): Promise<Response> {
  const signature = o.signature === undefined ? sign(o.secret ?? '', body) : o.signature;
  return fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-spark-signature': signature }),
    },
    body,
  });
}

/**
 * A loopback fake of the Anthropic Messages API (DESIGN §11: external services
 * are faked by real servers that speak the wire format). `POST /v1/messages`
 * with the key in `x-api-key` or `Authorization: Bearer`; answers with a
 * `tool_use` message or an API error body. Each test scripts a queue of
 * replies and reads back every request body the client sent.
 */

const TOOL = 'record_classifications';

export interface FakeEntry {
  flow_id: string;
  category: string;
  risk: string;
  rationale: string;
}

export type FakeReply =
  /** A well-formed tool call; `decide` maps the asked flow ids to entries (default: all `default`/`low`). */
  | { kind: 'answer'; decide?: (flowIds: string[]) => FakeEntry[]; delayMs?: number }
  /** A tool call with exactly this input. */
  | { kind: 'tool_input'; input: unknown; delayMs?: number }
  /** Plain text, no tool call. */
  | { kind: 'text'; text: string }
  /** An API error, e.g. 429 with `retry-after`, or 529 overloaded. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; delayMs?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Which header carried the key. */
  auth: 'x-api-key' | 'bearer' | null;
  raw: string;
  body: unknown;
  atMs: number;
}

export interface FakeAnthropic {
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  enqueue(...replies: FakeReply[]): void;
  stop(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json',
      'request-id': `req_fake_${crypto.randomUUID()}`,
      ...headers,
    },
  });

const apiError = (status: number, headers?: Record<string, string>): Response =>
  json(
    status,
    { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message: `fake ${status}` } },
    headers,
  );

/** The user message text of a Messages request. */
export function userText(body: unknown): string {
  const messages = (body as { messages?: { content: unknown }[] }).messages ?? [];
  return messages
    .map((m) =>
      typeof m.content === 'string'
        ? m.content
        : Array.isArray(m.content)
          ? m.content.map((b: { text?: string }) => b.text ?? '').join('\n')
          : '',
    )
    .join('\n');
}

/** The flow ids a request asks about (read from its data block). */
export function flowIdsIn(body: unknown): string[] {
  const m = /<flow_data>\n(.*)\n<\/flow_data>/s.exec(userText(body));
  if (m === null) return [];
  const data = JSON.parse(m[1] as string) as { flows?: { flow_id: string }[] };
  return (data.flows ?? []).map((f) => f.flow_id);
}

const waitOrAbort = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export async function startFakeAnthropic(
  options: { apiKey?: string; fallback?: FakeReply } = {},
): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? 'sk-ant-fake-key';
  const fallback = options.fallback ?? { kind: 'answer' };
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  const cachedSystems = new Set<string>();
  let seq = 0;

  const message = (body: Record<string, unknown>, content: unknown[], stop: string): Response => {
    seq += 1;
    // Prompt caching as the API reports it: the first sight of a cache_control'd system prompt writes, later ones read.
    const system = JSON.stringify(body.system ?? '');
    const cacheable = system.includes('"cache_control"');
    const hit = cacheable && cachedSystems.has(system);
    if (cacheable) cachedSystems.add(system);
    return json(200, {
      id: `msg_fake_${seq}`,
      type: 'message',
      role: 'assistant',
      model: String(body.model ?? 'unknown'),
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: {
        input_tokens: 900,
        output_tokens: 400,
        cache_creation_input_tokens: cacheable && !hit ? 1500 : 0,
        cache_read_input_tokens: hit ? 1500 : 0,
      },
    });
  };

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const url = new URL(req.url);
      const raw = await req.text();
      const headers = Object.fromEntries(req.headers.entries());
      const bearer = headers.authorization === `Bearer ${apiKey}`;
      const auth = headers['x-api-key'] === apiKey ? 'x-api-key' : bearer ? 'bearer' : null;
      let body: unknown = null;
      try {
        body = raw === '' ? null : JSON.parse(raw);
      } catch {
        body = null;
      }
      requests.push({ method: req.method, path: url.pathname, headers, auth, raw, body, atMs: Date.now() });
      if (req.method !== 'POST' || url.pathname !== '/v1/messages') return apiError(404);
      if (auth === null) return apiError(401);
      if (body === null || typeof body !== 'object') return apiError(400);

      const reply = queue.shift() ?? fallback;
      if ('delayMs' in reply && reply.delayMs !== undefined) await waitOrAbort(reply.delayMs, req.signal);
      const b = body as Record<string, unknown>;
      const toolUse = (input: unknown) => [
        { type: 'tool_use', id: `toolu_fake_${seq + 1}`, name: TOOL, input },
      ];
      switch (reply.kind) {
        case 'status':
          return apiError(reply.status, reply.headers);
        case 'text':
          return message(b, [{ type: 'text', text: reply.text }], 'end_turn');
        case 'tool_input':
          return message(b, toolUse(reply.input), 'tool_use');
        case 'answer': {
          const ids = flowIdsIn(body);
          const decide =
            reply.decide ??
            ((xs: string[]) =>
              xs.map((flow_id) => ({
                flow_id,
                category: 'default',
                risk: 'low',
                rationale: 'fake: ordinary traffic',
              })));
          return message(b, toolUse({ classifications: decide(ids) }), 'tool_use');
        }
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    apiKey,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    stop: async () => {
      await server.stop(true);
    },
  };
}

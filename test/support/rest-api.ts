/**
 * Helpers for the REST route tests (flows, proposals, matrix): the API with a
 * matrix keeper on a test engine, problem+json assertions, the auth checks
 * every endpoint gets, seeded inventory and manual proposals made over HTTP.
 */
import { expect } from 'bun:test';
import { type KeeperService, serveMatrixKeeper } from '../../actors/mod.ts';
import { parseFlowId } from '../../domain/flow.ts';
import { JSON_LIMIT_BYTES } from '../../edge/rest/validate.ts';
import { type InventoryRecord, keys, type ProposalRecord } from '../../kv-schema/mod.ts';
import { subjectsFor } from '../../streams/mod.ts';
import { startApi, type TestApi, TOKENS } from './api.ts';
import type { EngineFlavour, TestEngine } from './engines.ts';

export { TOKENS };

export interface RestHarness {
  te: TestEngine;
  api: TestApi;
  /** Null when started without one (to see the edge answer 503). */
  keeper: KeeperService | null;
  stop(): Promise<void>;
}

export async function startRest(
  flavour: EngineFlavour,
  options: { keeper?: boolean; fourEyes?: boolean } = {},
): Promise<RestHarness> {
  const te = await flavour.open();
  const api = await startApi(te);
  const keeper =
    options.keeper === false
      ? null
      : serveMatrixKeeper(te.engine, api.stores, subjectsFor(te.ns), options.fourEyes ?? false);
  return {
    te,
    api,
    keeper,
    stop: async () => {
      await keeper?.stop();
      await te.dispose();
    },
  };
}

/** A JSON request: POST unless told otherwise. */
export const json = (body: unknown, token?: string, method = 'POST'): RequestInit & { token?: string } => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
  ...(token === undefined ? {} : { token }),
});

/** A JSON body just over the 1 MiB limit. */
export const OVERSIZED = JSON.stringify({ reason: 'x'.repeat(JSON_LIMIT_BYTES + 1) });

export async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  return body;
}

type Role = 'viewer' | 'operator' | 'admin';
const BELOW: Record<Role, (keyof typeof TOKENS)[]> = {
  viewer: [],
  operator: ['viewer'],
  admin: ['viewer', 'operator'],
};

/** No token and a wrong token answer 401; each role below `role` answers 403. */
export async function expectGuarded(
  api: TestApi,
  method: string,
  path: string,
  role: Role,
  body: unknown = {},
): Promise<void> {
  const init = method === 'GET' ? { method } : json(body, undefined, method);
  const none = await api.request(path, init);
  await expectProblem(none, 401);
  expect(none.headers.get('www-authenticate')).toBe('Bearer');
  await expectProblem(await api.request(path, { ...init, token: 'not-a-token' }), 401);
  for (const lower of BELOW[role])
    await expectProblem(await api.request(path, { ...init, token: TOKENS[lower] }), 403);
}

export function inventoryRecord(flowId: string, over: Partial<InventoryRecord> = {}): InventoryRecord {
  const key = parseFlowId(flowId);
  if (key === null) throw new Error(`bad flow id ${flowId}`);
  const hits = over.hits ?? 10;
  return {
    flowId,
    ...key,
    hits,
    events: 2,
    firstSeenMs: Date.UTC(2026, 5, 1),
    lastSeenMs: Date.UTC(2026, 5, 18),
    days: [20605, 20606, 20607, 20608],
    srcSamples: ['10.0.0.1'],
    dstSamples: ['10.0.1.1'],
    permitHits: hits,
    denyHits: 0,
    unknownAt: null,
    rev: 1,
    ...over,
  };
}

export async function seedFlows(h: RestHarness, tenant: string, records: InventoryRecord[]): Promise<void> {
  for (const r of records) await h.api.stores.inventory.put(keys.inventory(tenant, r.flowId), r);
}

/** A manual proposal for `sgt → dgt` permitting tcp `port`, made over HTTP by `token`. */
export async function createManual(
  api: TestApi,
  over: { sgt?: number; dgt?: number; port?: number; token?: string } = {},
): Promise<ProposalRecord> {
  const body = {
    sgt: over.sgt ?? 10,
    dgt: over.dgt ?? 20,
    aces: [{ action: 'permit', protocol: 'tcp', dstPort: over.port ?? 443 }],
    reason: 'web servers need https from the clients',
  };
  const res = await api.request('/api/v1/proposals', json(body, over.token ?? TOKENS.operator));
  expect(res.status).toBe(201);
  return (await res.json()) as ProposalRecord;
}

export async function approve(api: TestApi, id: string, token: string = TOKENS.operator): Promise<Response> {
  return api.request(`/api/v1/proposals/${id}/approve`, { method: 'POST', token });
}

/** Read an event stream until `until` matches what arrived (or `ms` pass); returns the text read. */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (text: string) => boolean,
  ms = 10_000,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + ms;
  while (!until(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`stream: gave up after ${ms} ms; read ${JSON.stringify(text)}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), left);
    });
    const chunk = await Promise.race([reader.read(), timeout]);
    clearTimeout(timer);
    if (chunk === null) continue;
    if (chunk.done) throw new Error(`stream ended; read ${JSON.stringify(text)}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

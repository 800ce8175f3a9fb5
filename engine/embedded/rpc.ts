/**
 * In-process request/reply with NATS semantics: servers register a subject pattern and a
 * queue group; each group answers a request once (round-robin inside the group), and the
 * requester takes the first answer. Handlers run on a later microtask, never inside
 * request(), and a throwing handler rejects the request instead of crashing the process.
 */
import { RpcNoRespondersError, RpcTimeoutError } from '../errors.ts';
import { subjectMatches } from '../subjects.ts';
import type { Rpc, RpcHandler, RpcService } from '../types.ts';
import { assertOpen, type EmbeddedContext } from './db.ts';
import { checkPattern, checkSubject } from './names.ts';

const DEFAULT_TIMEOUT_MS = 5_000;

interface Server {
  pattern: string;
  group: string;
  handler: RpcHandler;
  inflight: Set<Promise<unknown>>;
}

export class EmbeddedRpc implements Rpc {
  readonly #ctx: EmbeddedContext;
  readonly #servers: Server[] = [];
  /** Round-robin position per queue group. */
  readonly #turn = new Map<string, number>();

  constructor(ctx: EmbeddedContext) {
    this.#ctx = ctx;
  }

  serve(subject: string, queueGroup: string, handler: RpcHandler): RpcService {
    assertOpen(this.#ctx);
    checkPattern('rpc subject', subject);
    const server: Server = { pattern: subject, group: queueGroup, handler, inflight: new Set() };
    this.#servers.push(server);
    return {
      stop: async () => {
        const i = this.#servers.indexOf(server);
        if (i >= 0) this.#servers.splice(i, 1);
        // Like a NATS drain: requests already handed over still get their answer.
        await Promise.allSettled([...server.inflight]);
      },
    };
  }

  request(subject: string, data: Uint8Array, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Uint8Array> {
    try {
      assertOpen(this.#ctx);
      checkSubject(subject);
    } catch (error) {
      return Promise.reject(error);
    }
    const chosen = this.#pick(subject);
    if (chosen.length === 0) return Promise.reject(new RpcNoRespondersError(subject));
    return new Promise<Uint8Array>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new RpcTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        fn();
      };
      for (const server of chosen) {
        // Each server gets its own copy, as each NATS subscriber gets its own buffer.
        const copy = data.slice();
        const call = Promise.resolve()
          .then(() => server.handler(copy, subject))
          .then(
            (reply) => finish(() => resolve(reply)),
            (error: unknown) =>
              finish(() => reject(new Error(error instanceof Error ? error.message : String(error)))),
          );
        server.inflight.add(call);
        void call.finally(() => server.inflight.delete(call));
      }
    });
  }

  /** One server per queue group among those whose pattern matches. */
  #pick(subject: string): Server[] {
    const groups = new Map<string, Server[]>();
    for (const s of this.#servers) {
      if (!subjectMatches(s.pattern, subject)) continue;
      const list = groups.get(s.group);
      if (list) list.push(s);
      else groups.set(s.group, [s]);
    }
    const chosen: Server[] = [];
    for (const [group, list] of groups) {
      const turn = this.#turn.get(group) ?? 0;
      this.#turn.set(group, turn + 1);
      const s = list[turn % list.length];
      if (s) chosen.push(s);
    }
    return chosen;
  }

  closeAll(): void {
    this.#servers.length = 0;
  }
}

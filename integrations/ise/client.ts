/**
 * The ISE ERS client for the TrustSec matrix: SGTs, SGACLs and egress cells
 * (reference/ise-and-ios.md). Get-all pages through `SearchResult` 100 at a
 * time and then reads every resource by id for its body, the semaphore in
 * the transport bounding how many calls run at once. Creates answer the new
 * id from the `Location` header (201, empty body); updates are PUTs with the
 * id in the body; deletes answer 204.
 */
import type * as v from 'valibot';
import type { BackoffPolicy } from '../../engine/backoff.ts';
import { createLogger } from '../../engine/log.ts';
import { checkCaPem, checked, checkUrl, createdId } from './checks.ts';
import { IseError, IseErrorCode } from './errors.ts';
import { ErsTransport } from './http.ts';
import {
  ANY_SGT_VALUE,
  CellInput,
  type EgressMatrixCell,
  EgressMatrixCellBody,
  type ResourceRef,
  SearchResult,
  type Sgacl,
  SgaclBody,
  SgaclInput,
  type Sgt,
  SgtBody,
  SgtInput,
} from './schemas.ts';
import type { IseCallCounts, IseErsApi, IseSnapshot } from './types.ts';

export interface IseClientOptions {
  /** `https://ise.example.com:9060` (the ERS port), or port 443 behind ISE's API gateway. Only the origin is used. */
  url: string;
  username: string;
  password: string;
  /** PEM bundle of the CA(s) that signed ISE's ERS certificate. Without it, the runtime's public roots. */
  caPem?: string;
  /** Skips TLS verification. Never the default; a warning is logged each time a client is made with it. */
  insecure?: boolean;
  /** Fetch and send ISE's CSRF token on writes (default true; harmless when ISE does not use CSRF). */
  csrf?: boolean;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  /** Calls in flight at once (default 50, at most 100: ISE serves about 100 in all). */
  maxConcurrent?: number;
  /** Attempts per read, the first included (default 3). Writes are sent once. */
  readAttempts?: number;
  backoff?: BackoffPolicy;
  /** Page size of get-all calls (default and maximum 100). */
  pageSize?: number;
  /** Where the insecure warning goes (default: a JSON logger on stdout). */
  logger?: WarnLogger;
}

/** The one thing the client logs; a pino Logger fits. */
export interface WarnLogger {
  warn(bindings: object, message: string): void;
}

export const ISE_MAX_CONCURRENT = 100;
/** ISE's fixed id of the ANY-ANY cell, used when the ANY group is not in the list. */
export const DEFAULT_CELL_ID = '92c1a900-8c01-11e6-996c-525400b48521';
/** A get-all stops here: 1,000 pages of 100 is beyond any real matrix, and a loop must end. */
const MAX_PAGES = 1000;

type Resource = 'sgt' | 'sgacl' | 'egressmatrixcell';

export class IseErsClient implements IseErsApi {
  readonly origin: string;
  readonly #http: ErsTransport;
  readonly #pageSize: number;

  constructor(o: IseClientOptions) {
    this.origin = checkUrl(o.url);
    if (o.caPem !== undefined) checkCaPem(o.caPem);
    if (o.insecure === true) {
      (o.logger ?? createLogger('warn')).warn(
        { ise: this.origin },
        `TLS VERIFICATION IS OFF for ISE at ${this.origin} (insecure): anyone on the path can read the ERS credentials and change the matrix. Configure ISE's CA bundle instead.`,
      );
    }
    const maxConcurrent = Math.trunc(o.maxConcurrent ?? 50);
    if (!(maxConcurrent >= 1 && maxConcurrent <= ISE_MAX_CONCURRENT)) {
      throw new IseError(
        IseErrorCode.InvalidConfig,
        `maxConcurrent must be 1…${ISE_MAX_CONCURRENT}, got ${o.maxConcurrent}`,
      );
    }
    this.#pageSize = Math.min(100, Math.max(1, Math.trunc(o.pageSize ?? 100)));
    this.#http = new ErsTransport({
      origin: this.origin,
      username: o.username,
      password: o.password,
      tls: o.insecure === true ? { rejectUnauthorized: false } : o.caPem === undefined ? {} : { ca: o.caPem },
      csrf: o.csrf ?? true,
      timeoutMs: o.timeoutMs ?? 30_000,
      maxConcurrent,
      readAttempts: Math.max(1, o.readAttempts ?? 3),
      backoff: o.backoff ?? { baseMs: 250, maxMs: 5_000 },
    });
  }

  calls(): IseCallCounts {
    return this.#http.counts();
  }

  listSgts(): Promise<Sgt[]> {
    return this.#readAll('sgt', (id) => this.getSgt(id));
  }
  async getSgt(id: string): Promise<Sgt> {
    return (await this.#get('sgt', id, SgtBody)).Sgt;
  }
  async createSgt(input: SgtInput): Promise<string> {
    return this.#create('sgt', { Sgt: checked(SgtInput, input, 'SGT') });
  }

  listSgacls(): Promise<Sgacl[]> {
    return this.#readAll('sgacl', (id) => this.getSgacl(id));
  }
  async getSgacl(id: string): Promise<Sgacl> {
    return (await this.#get('sgacl', id, SgaclBody)).Sgacl;
  }
  async createSgacl(input: SgaclInput): Promise<string> {
    return this.#create('sgacl', { Sgacl: checked(SgaclInput, input, 'SGACL') });
  }
  async updateSgacl(id: string, input: SgaclInput): Promise<void> {
    await this.#update('sgacl', id, { Sgacl: { id, ...checked(SgaclInput, input, 'SGACL') } });
  }
  deleteSgacl(id: string): Promise<void> {
    return this.#delete('sgacl', id);
  }

  listCells(): Promise<EgressMatrixCell[]> {
    return this.#readAll('egressmatrixcell', (id) => this.getCell(id));
  }
  async getCell(id: string): Promise<EgressMatrixCell> {
    return (await this.#get('egressmatrixcell', id, EgressMatrixCellBody)).EgressMatrixCell;
  }
  async createCell(input: CellInput): Promise<string> {
    return this.#create('egressmatrixcell', { EgressMatrixCell: checked(CellInput, input, 'cell') });
  }
  async updateCell(id: string, input: CellInput): Promise<void> {
    await this.#update('egressmatrixcell', id, {
      EgressMatrixCell: { id, ...checked(CellInput, input, 'cell') },
    });
  }
  deleteCell(id: string): Promise<void> {
    return this.#delete('egressmatrixcell', id);
  }

  /**
   * Narrows the cell list with ISE's `sgtSrcValue`/`sgtDstValue` filters, then
   * checks each candidate's SGT ids, so an ISE that ignores the filters — or
   * refuses them, and is then scanned whole — still gives the right cell,
   * only more slowly.
   */
  async getCellBySrcDst(srcValue: number, dstValue: number): Promise<EgressMatrixCell | null> {
    const [src, dst] = await Promise.all([this.#sgtIdByValue(srcValue), this.#sgtIdByValue(dstValue)]);
    if (src === null || dst === null) return null;
    const filters = [`sgtSrcValue.EQ.${srcValue}`, `sgtDstValue.EQ.${dstValue}`];
    const refs = await this.#refs('egressmatrixcell', filters).catch((e: unknown) => {
      if (e instanceof IseError && e.code === IseErrorCode.BadRequest) return this.#refs('egressmatrixcell');
      throw e;
    });
    const cells = await this.#bodies(refs, (id) => this.getCell(id));
    return cells.find((c) => c.sourceSgtId === src && c.destinationSgtId === dst) ?? null;
  }

  async snapshot(): Promise<IseSnapshot> {
    const readAt = new Date().toISOString();
    const [sgts, sgacls, cells] = await Promise.all([this.listSgts(), this.listSgacls(), this.listCells()]);
    const any = sgts.find((s) => s.value === ANY_SGT_VALUE);
    const defaultCell =
      cells.find((c) =>
        any ? c.sourceSgtId === any.id && c.destinationSgtId === any.id : c.id === DEFAULT_CELL_ID,
      ) ?? null;
    return { sgts, sgacls, cells, defaultCell, readAt };
  }

  async #sgtIdByValue(value: number): Promise<string | null> {
    const refs = await this.#refs('sgt', [`value.EQ.${value}`]);
    const sgts = await this.#bodies(refs, (id) => this.getSgt(id));
    return sgts.find((s) => s.value === value)?.id ?? null;
  }

  async #readAll<T>(resource: Resource, read: (id: string) => Promise<T>): Promise<T[]> {
    return this.#bodies(await this.#refs(resource), read);
  }

  /** Reads every body at once; the transport's semaphore decides how many run together. */
  async #bodies<T>(refs: readonly ResourceRef[], read: (id: string) => Promise<T>): Promise<T[]> {
    const bodies = await Promise.all(
      refs.map((r) =>
        read(r.id).catch((e: unknown) => {
          // Deleted between the list and the read: it is simply not there any more.
          if (e instanceof IseError && e.code === IseErrorCode.NotFound) return null;
          throw e;
        }),
      ),
    );
    return bodies.filter((b): b is Awaited<T> => b !== null);
  }

  /** Every page of a get-all, followed by `nextPage` until ISE gives none. */
  async #refs(resource: Resource, filters: readonly string[] = []): Promise<ResourceRef[]> {
    const query = filters.map((f) => `&filter=${encodeURIComponent(f)}`).join('');
    const seen = new Map<string, ResourceRef>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const path = `${resource}?size=${this.#pageSize}&page=${page}${query}`;
      const result = this.#http.parse('GET', path, await this.#http.read(path), SearchResult).SearchResult;
      // A write between two pages shifts entries across them; the id keeps one copy.
      for (const r of result.resources) seen.set(r.id, r);
      if (result.nextPage === undefined || result.resources.length === 0) return [...seen.values()];
    }
    throw new IseError(
      IseErrorCode.InvalidResponse,
      `ISE offered more than ${MAX_PAGES} pages of /ers/config/${resource}; stopped reading`,
    );
  }

  async #get<S extends v.GenericSchema>(
    resource: Resource,
    id: string,
    schema: S,
  ): Promise<v.InferOutput<S>> {
    const path = `${resource}/${encodeURIComponent(id)}`;
    return this.#http.parse('GET', path, await this.#http.read(path), schema);
  }

  async #create(resource: Resource, body: unknown): Promise<string> {
    const answer = await this.#http.write('POST', resource, body);
    return createdId(resource, answer);
  }

  async #update(resource: Resource, id: string, body: unknown): Promise<void> {
    await this.#http.write('PUT', `${resource}/${encodeURIComponent(id)}`, body);
  }

  async #delete(resource: Resource, id: string): Promise<void> {
    await this.#http.write('DELETE', `${resource}/${encodeURIComponent(id)}`);
  }
}

export const createIseClient = (o: IseClientOptions): IseErsClient => new IseErsClient(o);

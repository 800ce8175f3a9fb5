/**
 * What a test can do to the simulator besides editing its data: make ISE
 * slow or failing (Faults), and see what the client sent (Traffic): every
 * request with its status, counts by method and path, and the peak number
 * of requests in flight at once — the figure the client's concurrency bound
 * is checked against.
 */

export interface InjectedFailure {
  status: number;
  title: string;
}

export class Faults {
  /** Added before every answer, in ms. */
  delayMs = 0;
  #writesSeen = 0;
  #readsSeen = 0;
  readonly #writePlan = new Map<number, InjectedFailure>();
  readonly #readPlan = new Map<number, InjectedFailure>();
  #expireTokens: () => void = () => undefined;

  /** The `nth` write from now (1 = the next one) answers `status` without being carried out. */
  failWrite(nth = 1, status = 500, title = 'Internal server error (injected fault)'): void {
    this.#writePlan.set(this.#writesSeen + nth, { status, title });
  }

  /** The next `count` reads answer `status`. */
  failReads(count = 1, status = 500, title = 'Internal server error (injected fault)'): void {
    for (let i = 1; i <= count; i++) this.#readPlan.set(this.#readsSeen + i, { status, title });
  }

  /** Forget every CSRF token handed out, as when ISE's session times out. */
  expireCsrfTokens(): void {
    this.#expireTokens();
  }

  /** No more delay or planned failures. */
  clear(): void {
    this.delayMs = 0;
    this.#writePlan.clear();
    this.#readPlan.clear();
  }

  /** For the simulator: counts a request that got past auth and says whether it must fail. */
  next(write: boolean): InjectedFailure | undefined {
    if (write) {
      this.#writesSeen++;
      return take(this.#writePlan, this.#writesSeen);
    }
    this.#readsSeen++;
    return take(this.#readPlan, this.#readsSeen);
  }

  /** For the simulator: how `expireCsrfTokens` reaches the token store. */
  onExpireTokens(expire: () => void): void {
    this.#expireTokens = expire;
  }
}

function take(plan: Map<number, InjectedFailure>, n: number): InjectedFailure | undefined {
  const failure = plan.get(n);
  plan.delete(n);
  return failure;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/ers/config/sgt?size=100&page=2`. */
  path: string;
  status: number;
  /** Whether it carried an `X-CSRF-TOKEN` header other than `fetch`. */
  withToken: boolean;
}

export class Traffic {
  readonly requests: RecordedRequest[] = [];
  #inFlight = 0;
  #peak = 0;

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The most requests the simulator was handling at once. */
  get peakConcurrent(): number {
    return this.#peak;
  }

  /** Requests of `method` (any when omitted) whose path starts with `pathPrefix`. */
  count(method?: string, pathPrefix = ''): number {
    return this.requests.filter(
      (r) => (method === undefined || r.method === method) && r.path.startsWith(pathPrefix),
    ).length;
  }

  /** POST, PUT and DELETE requests received (refused ones included). */
  get writes(): number {
    return this.requests.filter((r) => r.method !== 'GET').length;
  }

  reset(): void {
    this.requests.length = 0;
    this.#peak = this.#inFlight;
  }

  /** For the simulator: wraps the handling of one request. */
  async track(
    method: string,
    path: string,
    withToken: boolean,
    handle: () => Promise<Response>,
  ): Promise<Response> {
    this.#inFlight++;
    if (this.#inFlight > this.#peak) this.#peak = this.#inFlight;
    try {
      const res = await handle();
      this.requests.push({ method, path, status: res.status, withToken });
      return res;
    } finally {
      this.#inFlight--;
    }
  }
}

/**
 * A push-to-pull bridge: producers push values synchronously, one consumer iterates them.
 * Used by live subscriptions and KV watches. Unbounded on purpose: the producers are
 * in-process and a slow reader must not make a publish fail.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: ((r: IteratorResult<T>) => void) | null = null;
  #closed = false;
  readonly #onClose: () => void;

  constructor(onClose: () => void = () => {}) {
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(value: T): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter({ done: false, value });
    } else {
      this.#items.push(value);
    }
  }

  /** End iteration; values already queued are dropped, like an unsubscribe. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.({ done: true, value: undefined });
    this.#onClose();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head++] as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }
}

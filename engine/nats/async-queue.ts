/**
 * A minimal push/pull async queue: producers (NATS callbacks, several consumer
 * pumps) push, one `for await` pulls. Used where the adapter merges sources or
 * must end an iteration from outside (unsubscribe / stop).
 */

export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #waiter: ((result: IteratorResult<T>) => void) | null = null;
  #closed = false;
  #error: unknown = undefined;

  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  /** End the iteration; items already queued are still delivered unless `discard`. */
  close(error?: unknown, discard = false): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    if (discard) this.#items = [];
    const waiter = this.#waiter;
    if (waiter && this.#items.length === 0) {
      this.#waiter = null;
      waiter({ value: undefined, done: true });
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      const item = this.#items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.#closed) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      const next = await new Promise<IteratorResult<T>>((resolve) => {
        this.#waiter = resolve;
      });
      if (next.done) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      yield next.value;
    }
  }
}

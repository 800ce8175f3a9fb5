/**
 * A counting semaphore: at most `size` callers hold a slot at once, the rest
 * wait in arrival order. ISE serves about 100 concurrent ERS calls in all,
 * shared with every other tool that talks to it, so the client bounds its
 * own share with one of these around each HTTP attempt.
 */

export class Semaphore {
  readonly size: number;
  #held = 0;
  #peak = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`a semaphore needs a size ≥ 1, got ${size}`);
    this.size = size;
  }

  /** Slots held now. */
  get held(): number {
    return this.#held;
  }

  /** The most slots ever held at once. */
  get peak(): number {
    return this.#peak;
  }

  /** Runs `task` once a slot is free, and frees it when `task` settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #acquire(): Promise<void> {
    if (this.#held < this.size) {
      this.#take();
      return Promise.resolve();
    }
    // The releaser hands its slot straight to the next waiter, so a newcomer cannot overtake it.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #take(): void {
    this.#held++;
    if (this.#held > this.#peak) this.#peak = this.#held;
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held--;
  }
}

/**
 * A bounded memory of keys with an expiry: insertion-ordered, so when it is
 * full the oldest entry goes first. Used to look at a destination once per
 * interval, and to report a (flow, destination) once.
 */
export class Recent {
  readonly #max: number;
  readonly #until = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  has(key: string, nowMs: number): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.#until.delete(key);
    return false;
  }

  add(key: string, untilMs: number): void {
    this.#until.delete(key); // re-inserted: now the newest
    this.#until.set(key, untilMs);
    if (this.#until.size > this.#max) this.#until.delete(this.#until.keys().next().value as string);
  }

  get size(): number {
    return this.#until.size;
  }
}

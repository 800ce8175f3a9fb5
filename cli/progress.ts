/**
 * A progress bar on stderr, drawn only when stderr is a terminal (never into
 * a log file or a pipe), at most ten times a second.
 */
import type { Source } from './input.ts';

const WIDTH = 30;

export class Progress {
  readonly #timer: ReturnType<typeof setInterval> | null = null;
  readonly #sources: readonly Source[];
  readonly #lines: () => number;

  constructor(sources: readonly Source[], lines: () => number, enabled = process.stderr.isTTY === true) {
    this.#sources = sources;
    this.#lines = lines;
    if (enabled) this.#timer = setInterval(() => this.#draw(), 100);
  }

  #draw(): void {
    const total = this.#sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
    const read = this.#sources.reduce((sum, s) => sum + s.bytesRead(), 0);
    const lines = this.#lines().toLocaleString('en-US');
    if (total === 0) {
      process.stderr.write(`\r${lines} lines`);
      return;
    }
    const share = Math.min(1, read / total);
    const filled = Math.round(share * WIDTH);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${lines} lines`,
    );
  }

  stop(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    process.stderr.write('\r\u001b[2K');
  }
}

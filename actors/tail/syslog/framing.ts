/**
 * Syslog framing, pure. Over TCP and TLS (RFC 6587, RFC 5425) a sender either
 * prefixes each message with its length (`<len> <msg>`, octet counting) or
 * ends it with a trailer (LF, CRLF or NUL: non-transparent framing); senders
 * are not consistent, so the method is detected per frame. Over UDP one
 * datagram is one message (RFC 5426).
 *
 * Memory stays bounded by the maximum message size whatever arrives: a frame
 * over it is counted as `oversize` and skipped (a counted one by its length,
 * a trailer-framed one up to its trailer), and a frame that is neither method
 * is counted as `bad_frame` and skipped up to the next trailer, where the
 * stream resynchronises.
 */

export const DropReason = {
  /** The sender's address matches no configured sender. */
  UnknownSender: 'unknown_sender',
  /** The tenant's queue was full (UDP only; TCP and TLS senders are paused instead). */
  QueueFull: 'queue_full',
  /**
   * The tenant was over its lines-per-second quota and its held lines filled their bound
   * (UDP only: TCP and TLS senders are paused instead). Also counted as shed in
   * `scopilot_quota_shed_total`.
   */
  OverQuota: 'over_quota',
  /** A message over the size limit. */
  Oversize: 'oversize',
  /** Bytes that are no frame: an octet count not followed by a space, a cut-off frame, an empty datagram. */
  BadFrame: 'bad_frame',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** RFC 5425 asks receivers to take at least 8 KB messages; SGACLHIT lines are well under 1 KB. */
export const MAX_MESSAGE_BYTES = 8192;

export interface FrameSink {
  /** One message, bytes[start, end), its trailer removed; the bytes are only valid during the call. */
  message(bytes: Uint8Array, start: number, end: number): void;
  dropped(reason: typeof DropReason.Oversize | typeof DropReason.BadFrame): void;
}

const LF = 10;
const CR = 13;
const NUL = 0;
const SPACE = 32;
/** An octet count has at most this many digits (a billion bytes is no syslog message). */
const MAX_COUNT_DIGITS = 9;

/** End of the message in bytes[start, end) without trailing LF, CR and NUL. */
export function trimTrailer(bytes: Uint8Array, start: number, end: number): number {
  while (end > start) {
    const c = bytes[end - 1];
    if (c !== LF && c !== CR && c !== NUL) break;
    end--;
  }
  return end;
}

const State = {
  /** Between frames. */
  Idle: 0,
  /** Reading an octet count. */
  Count: 1,
  /** Reading the `remaining` bytes of a counted message. */
  Counted: 2,
  /** Discarding the `remaining` bytes of an oversize counted message. */
  SkipCounted: 3,
  /** Reading a message up to its trailer. */
  Line: 4,
  /** Discarding up to the next trailer. */
  SkipLine: 5,
} as const;
type State = (typeof State)[keyof typeof State];

/** One TCP or TLS connection's byte stream to messages. */
export class StreamDecoder {
  readonly #sink: FrameSink;
  readonly #max: number;
  #state: State = State.Idle;
  #count = 0;
  #digits = 0;
  #remaining = 0;
  /** A message cut by a chunk boundary, joined here (never more than `max` bytes). */
  #carry: Uint8Array;
  #carryLength = 0;
  /** Where the next NUL of the current chunk is (chunk.length when none), so each chunk is searched once. */
  #nextNul = 0;

  constructor(sink: FrameSink, maxMessageBytes = MAX_MESSAGE_BYTES) {
    this.#sink = sink;
    this.#max = maxMessageBytes;
    this.#carry = new Uint8Array(Math.min(maxMessageBytes, 1024));
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    this.#nextNul = -1;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case State.Idle: {
          const c = chunk[i]!;
          if (c === LF || c === CR || c === NUL || c === SPACE) i++;
          else if (c >= 0x31 && c <= 0x39) {
            this.#state = State.Count;
            this.#count = 0;
            this.#digits = 0;
          } else {
            this.#state = State.Line;
            this.#carryLength = 0;
          }
          break;
        }
        case State.Count:
          i = this.#readCount(chunk, i);
          break;
        case State.Counted:
          i = this.#readCounted(chunk, i);
          break;
        case State.SkipCounted: {
          const take = Math.min(this.#remaining, n - i);
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = State.Idle;
          break;
        }
        case State.Line:
        case State.SkipLine:
          i = this.#readLine(chunk, i);
          break;
      }
    }
  }

  /** The connection closed: a message without its trailer is still a message; a cut-off counted one is not. */
  end(): void {
    if (this.#state === State.Line) this.#emitCarry();
    else if (this.#state === State.Count || this.#state === State.Counted)
      this.#sink.dropped(DropReason.BadFrame);
    this.#state = State.Idle;
    this.#carryLength = 0;
  }

  #readCount(chunk: Uint8Array, i: number): number {
    const c = chunk[i]!;
    if (c >= 0x30 && c <= 0x39 && this.#digits < MAX_COUNT_DIGITS) {
      this.#count = this.#count * 10 + c - 0x30;
      this.#digits++;
      return i + 1;
    }
    if (c !== SPACE) {
      // Digits that are no octet count: nothing to trust up to the next trailer.
      this.#sink.dropped(DropReason.BadFrame);
      this.#state = State.SkipLine;
      return i;
    }
    this.#remaining = this.#count;
    this.#carryLength = 0;
    if (this.#count > this.#max) {
      this.#sink.dropped(DropReason.Oversize);
      this.#state = State.SkipCounted;
    } else this.#state = State.Counted;
    return i + 1;
  }

  #readCounted(chunk: Uint8Array, i: number): number {
    const take = Math.min(this.#remaining, chunk.length - i);
    this.#remaining -= take;
    if (this.#remaining === 0 && this.#carryLength === 0) {
      this.#emit(chunk, i, i + take); // the whole message in this chunk: no copy
    } else {
      this.#append(chunk, i, i + take);
      if (this.#remaining === 0) this.#emitCarry();
    }
    if (this.#remaining === 0) this.#state = State.Idle;
    return i + take;
  }

  #readLine(chunk: Uint8Array, i: number): number {
    const n = chunk.length;
    if (this.#nextNul !== n && this.#nextNul < i) {
      const nul = chunk.indexOf(NUL, i);
      this.#nextNul = nul === -1 ? n : nul;
    }
    const lf = chunk.indexOf(LF, i);
    const end = lf === -1 || lf > this.#nextNul ? this.#nextNul : lf;
    const skipping = this.#state === State.SkipLine;
    if (end === n) {
      if (!skipping) {
        if (this.#carryLength + n - i > this.#max) this.#oversize();
        else this.#append(chunk, i, n);
      }
      return n;
    }
    if (!skipping) {
      if (this.#carryLength + end - i > this.#max) this.#sink.dropped(DropReason.Oversize);
      else if (this.#carryLength === 0) this.#emit(chunk, i, end);
      else {
        this.#append(chunk, i, end);
        this.#emitCarry();
      }
    }
    this.#state = State.Idle;
    return end + 1;
  }

  #oversize(): void {
    this.#sink.dropped(DropReason.Oversize);
    this.#state = State.SkipLine;
    this.#carryLength = 0;
  }

  #append(chunk: Uint8Array, from: number, to: number): void {
    const length = this.#carryLength + to - from;
    if (length > this.#carry.length) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(length, this.#carry.length * 2)));
      grown.set(this.#carry.subarray(0, this.#carryLength));
      this.#carry = grown;
    }
    this.#carry.set(chunk.subarray(from, to), this.#carryLength);
    this.#carryLength = length;
  }

  #emitCarry(): void {
    const length = this.#carryLength;
    this.#carryLength = 0;
    this.#emit(this.#carry, 0, length);
  }

  #emit(bytes: Uint8Array, start: number, end: number): void {
    const e = trimTrailer(bytes, start, end);
    if (e > start) this.#sink.message(bytes, start, e);
  }
}

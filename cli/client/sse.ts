/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream format):
 * text in, whole events out, however the chunks happen to be cut.
 */

export interface SseEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #sawCr = false;
  /** The last `id:` the server sent, to resume from after a reconnect. */
  lastEventId: string | undefined;
  /** The server's `retry:` advice in ms, when it gave one. */
  retryMs: number | undefined;

  /** A new connection: drop any half-received event, keep the last id and retry advice. */
  reset(): void {
    this.#buffer = '';
    this.#event = '';
    this.#data = [];
    this.#id = undefined;
    this.#sawCr = false;
  }

  push(text: string): SseEvent[] {
    let chunk = text;
    // A CRLF cut between two chunks: the LF belongs to the line already ended.
    if (this.#sawCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.#sawCr = chunk.endsWith('\r');
    this.#buffer += chunk;
    const events: SseEvent[] = [];
    const lines = this.#buffer.split(/\r\n|\r|\n/);
    this.#buffer = lines.pop() ?? '';
    for (const line of lines) {
      const event = this.#line(line);
      if (event !== null) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | null {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return null;
  }

  #dispatch(): SseEvent | null {
    if (this.#id !== undefined) this.lastEventId = this.#id;
    const data = this.#data;
    const event = this.#event;
    const id = this.#id;
    this.#data = [];
    this.#event = '';
    this.#id = undefined;
    if (data.length === 0) return null;
    return {
      event: event === '' ? 'message' : event,
      data: data.join('\n'),
      ...(id === undefined ? {} : { id }),
    };
  }
}

/**
 * What the receiver's main thread and its UDP worker say to each other. The
 * worker owns the socket and only copies datagrams into batches; everything
 * else (sender lookup, framing, parsing, publishing) stays on the main thread.
 */

export const ToWorker = { Bind: 'bind', Ack: 'ack', Close: 'close' } as const;
export const FromWorker = { Bound: 'bound', Batch: 'batch', Failed: 'failed', Closed: 'closed' } as const;

export interface BindRequest {
  type: typeof ToWorker.Bind;
  host: string;
  port: number;
  /** SO_RCVBUF asked for (the kernel may grant less). */
  receiveBufferBytes: number;
  /** Bytes handed to the main thread and not yet acknowledged, beyond which datagrams are dropped. */
  backlogBytes: number;
}

/** The main thread handled a batch of this many bytes. */
export interface Ack {
  type: typeof ToWorker.Ack;
  bytes: number;
}

export type ToWorkerMessage = BindRequest | Ack | { type: typeof ToWorker.Close };

export interface Bound {
  type: typeof FromWorker.Bound;
  /** The address and port actually bound (port 0 picks one). */
  address: string;
  port: number;
  /** SO_RCVBUF as the kernel reports it (Linux reports twice what it grants to the payload). */
  receiveBufferBytes: number | null;
}

/**
 * Datagrams in arrival order: datagram i is `data[ends[i-1] ?? 0, ends[i])`
 * from `addresses[from[i]]`.
 */
export interface Batch {
  type: typeof FromWorker.Batch;
  data: Uint8Array;
  ends: Uint32Array;
  from: Uint16Array;
  addresses: string[];
  /** Datagrams read and dropped since the last batch because the backlog was full. */
  dropped: number;
}

export interface Failed {
  type: typeof FromWorker.Failed;
  /** Binding failed (start() throws), or the socket failed later. */
  stage: 'bind' | 'socket';
  message: string;
  code?: string;
}

export type FromWorkerMessage = Bound | Batch | Failed | { type: typeof FromWorker.Closed };

/**
 * The UDP listener as the receiver sees it: a socket drained by a worker
 * thread (udp-worker.ts), whose batches of datagrams arrive here as
 * messages, plus what the kernel says about the socket (its receive buffer
 * and its drops).
 */
import { SyslogError, SyslogErrorCode } from './errors.ts';
import { type KernelUdpStats, readKernelUdpStats } from './kernel.ts';
import {
  type Batch,
  type Bound,
  type Failed,
  FromWorker,
  type FromWorkerMessage,
  ToWorker,
  type ToWorkerMessage,
} from './udp-messages.ts';

/** What /readyz shows of the UDP listener beside the counters. */
export interface UdpHealth {
  receiveBuffer: {
    requestedBytes: number;
    /** As the kernel reports it (Linux: twice what it grants, capped at 2 × net.core.rmem_max); null: unknown. */
    kernelBytes: number | null;
  };
  /** Datagrams the kernel dropped because the socket buffer was full; null: unknown on this system. */
  kernelDrops: number | null;
  /** Bytes waiting in the socket buffer right now; null: unknown. */
  kernelQueuedBytes: number | null;
}

export interface UdpListenerOptions {
  host: string;
  port: number;
  receiveBufferBytes: number;
  backlogBytes: number;
  /** Called for each batch, on the main thread, in arrival order. */
  onBatch: (batch: Batch) => void;
  /** The socket or the worker failed after binding. */
  onFailure: (error: Error) => void;
}

export class UdpListener {
  readonly #worker: Worker;
  readonly #bound: Bound;
  #closed: Promise<void> | null = null;
  /** Set by close(): what to do once the worker says the socket is closed (or the worker dies). */
  #onClosed: (() => void) | null = null;
  #lastKernel: KernelUdpStats | null = null;
  #failed = false;

  private constructor(worker: Worker, bound: Bound) {
    this.#worker = worker;
    this.#bound = bound;
  }

  /** Start the worker and bind; a failure to bind is a SyslogError naming the address. */
  static async bind(options: UdpListenerOptions): Promise<UdpListener> {
    const worker = new Worker(new URL('./udp-worker.ts', import.meta.url).href, { type: 'module' });
    const send = (message: ToWorkerMessage) => worker.postMessage(message);
    const bound = Promise.withResolvers<Bound>();
    let listener: UdpListener | null = null;
    worker.addEventListener('message', (event: MessageEvent<FromWorkerMessage>) => {
      const message = event.data;
      if (message.type === FromWorker.Batch) {
        try {
          options.onBatch(message);
        } finally {
          send({ type: ToWorker.Ack, bytes: message.data.length });
        }
      } else if (message.type === FromWorker.Bound) bound.resolve(message);
      else if (message.type === FromWorker.Failed) {
        if (listener === null) bound.reject(bindError(options, message));
        else options.onFailure(new Error(message.message));
      } else if (message.type === FromWorker.Closed && listener !== null) listener.#onClosed?.();
    });
    worker.addEventListener('error', (event: ErrorEvent) => {
      const error = new Error(`udp worker: ${event.message}`);
      if (listener === null) return bound.reject(error);
      // Nothing more will come from it: close() must not wait for an answer.
      listener.#failed = true;
      if (listener.#onClosed !== null) listener.#onClosed();
      else options.onFailure(error);
    });
    send({
      type: ToWorker.Bind,
      host: options.host,
      port: options.port,
      receiveBufferBytes: options.receiveBufferBytes,
      backlogBytes: options.backlogBytes,
    });
    try {
      listener = new UdpListener(worker, await bound.promise);
    } catch (error) {
      worker.terminate();
      throw error instanceof SyslogError
        ? error
        : new SyslogError(SyslogErrorCode.Bind, `syslog udp: cannot bind ${options.host}:${options.port}`, {
            cause: error,
          });
    }
    return listener;
  }

  get port(): number {
    return this.#bound.port;
  }

  /** SO_RCVBUF as the kernel reports it; null when it cannot be read. */
  get receiveBufferBytes(): number | null {
    return this.#bound.receiveBufferBytes;
  }

  /** What the kernel granted, when that is less than requested (else null). */
  grantedBelow(requestedBytes: number): number | null {
    const reported = this.#bound.receiveBufferBytes;
    if (reported === null) return null;
    // Linux reports twice what it grants: the other half is its own bookkeeping.
    const granted = process.platform === 'linux' ? reported / 2 : reported;
    return granted < requestedBytes ? granted : null;
  }

  health(requestedBytes: number): UdpHealth {
    const kernel = this.kernel();
    return {
      receiveBuffer: { requestedBytes, kernelBytes: this.#bound.receiveBufferBytes },
      kernelDrops: kernel?.drops ?? null,
      kernelQueuedBytes: kernel?.queuedBytes ?? null,
    };
  }

  /** The kernel's counts for this socket (the last ones read, once closed); null when unknown. */
  kernel(): KernelUdpStats | null {
    if (this.#closed === null) this.#lastKernel = readKernelUdpStats(this.#bound.address, this.#bound.port);
    return this.#lastKernel;
  }

  /** Close the socket; resolves once every batch read before it was handed over. */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.kernel();
    const closed = Promise.withResolvers<void>();
    this.#onClosed = () => {
      this.#worker.terminate();
      closed.resolve();
    };
    this.#closed = closed.promise;
    if (this.#failed) this.#onClosed();
    else this.#worker.postMessage({ type: ToWorker.Close } satisfies ToWorkerMessage);
    return this.#closed;
  }
}

function bindError(options: UdpListenerOptions, failed: Failed): SyslogError {
  return new SyslogError(SyslogErrorCode.Bind, `syslog udp: cannot bind ${options.host}:${options.port}`, {
    cause: Object.assign(new Error(failed.message), { code: failed.code }),
  });
}

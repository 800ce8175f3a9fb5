/**
 * The UDP listener's worker thread: it owns the socket and does nothing but
 * copy datagrams into batches for the main thread, so the socket is drained
 * even while the main thread is busy (parsing, publishing, other actors in
 * the same process). A kernel socket buffer holds well under a second of a
 * busy network; this worker keeps up to `backlogBytes` more in memory, and
 * beyond that drops datagrams itself and says how many, so they are counted.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import {
  type BindRequest,
  FromWorker,
  type FromWorkerMessage,
  ToWorker,
  type ToWorkerMessage,
} from './udp-messages.ts';

/** A batch is handed over at this size, this many datagrams, or this long after its first datagram. */
const BATCH_BYTES = 256 * 1024;
const BATCH_DATAGRAMS = 4_096;
const BATCH_DELAY_MS = 5;

const post = (message: FromWorkerMessage, transfer: Transferable[] = []) =>
  postMessage(message, { transfer });

let socket: Socket | null = null;
let backlogBytes = 0;
/** Bytes handed over and not yet acknowledged. */
let outstanding = 0;
let dropped = 0;
const data = new Uint8Array(BATCH_BYTES);
let length = 0;
const ends = new Uint32Array(BATCH_DATAGRAMS);
const from = new Uint16Array(BATCH_DATAGRAMS);
let count = 0;
let addresses: string[] = [];
const addressIndex = new Map<string, number>();
let timer: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (count === 0 && dropped === 0) return;
  const batch = data.slice(0, length);
  const batchEnds = ends.slice(0, count);
  const batchFrom = from.slice(0, count);
  post({ type: FromWorker.Batch, data: batch, ends: batchEnds, from: batchFrom, addresses, dropped }, [
    batch.buffer,
    batchEnds.buffer,
    batchFrom.buffer,
  ]);
  outstanding += length;
  length = 0;
  count = 0;
  dropped = 0;
  addresses = [];
  addressIndex.clear();
}

function datagram(message: Uint8Array, remote: RemoteInfo): void {
  if (outstanding + length + message.length > backlogBytes) {
    dropped++;
    timer ??= setTimeout(flush, BATCH_DELAY_MS);
    return;
  }
  if (length + message.length > BATCH_BYTES || count === BATCH_DATAGRAMS) flush();
  // UDP payloads are at most 65,507 bytes: one always fits an empty batch.
  data.set(message, length);
  length += message.length;
  let index = addressIndex.get(remote.address);
  if (index === undefined) {
    index = addresses.push(remote.address) - 1;
    addressIndex.set(remote.address, index);
  }
  from[count] = index;
  ends[count++] = length;
  timer ??= setTimeout(flush, BATCH_DELAY_MS);
}

function bind(request: BindRequest): void {
  backlogBytes = request.backlogBytes;
  const s = createSocket({ type: isIPv6(request.host) ? 'udp6' : 'udp4' });
  s.once('error', (error: NodeJS.ErrnoException) => {
    post({ type: FromWorker.Failed, stage: 'bind', message: error.message, code: error.code ?? '' });
    s.close();
  });
  s.bind(request.port, request.host, () => {
    s.removeAllListeners('error');
    s.on('error', (error) => post({ type: FromWorker.Failed, stage: 'socket', message: error.message }));
    s.on('message', datagram);
    let receiveBufferBytes: number | null = null;
    try {
      s.setRecvBufferSize(request.receiveBufferBytes);
    } catch {
      // Refused outright: the default buffer still works, and what it is is reported below.
    }
    try {
      receiveBufferBytes = s.getRecvBufferSize();
    } catch {
      // unknown on this platform
    }
    socket = s;
    const { address, port } = s.address();
    post({ type: FromWorker.Bound, address, port, receiveBufferBytes });
  });
}

addEventListener('message', (event: MessageEvent<ToWorkerMessage>) => {
  const message = event.data;
  if (message.type === ToWorker.Bind) bind(message);
  else if (message.type === ToWorker.Ack) outstanding -= message.bytes;
  else if (message.type === ToWorker.Close) {
    const s = socket;
    socket = null;
    const done = () => {
      flush();
      post({ type: FromWorker.Closed });
    };
    if (s === null) done();
    else s.close(done);
  }
});

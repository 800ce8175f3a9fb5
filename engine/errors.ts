/**
 * Named engine errors. Each carries a `code` from `EngineErrorCode` so callers
 * branch on codes, not on message text. `TerminalError` marks bad input that
 * must never be retried: the actor runner dead-letters it at once.
 */

export const EngineErrorCode = {
  KvConflict: 'KV_CONFLICT',
  KvBucketNotFound: 'KV_BUCKET_NOT_FOUND',
  StreamNotFound: 'STREAM_NOT_FOUND',
  ConsumerNotFound: 'CONSUMER_NOT_FOUND',
  NoStreamForSubject: 'NO_STREAM_FOR_SUBJECT',
  RpcNoResponders: 'RPC_NO_RESPONDERS',
  RpcTimeout: 'RPC_TIMEOUT',
  Closed: 'ENGINE_CLOSED',
  InvalidName: 'INVALID_NAME',
  Terminal: 'TERMINAL',
} as const;
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A create found the key present, or an update found another revision. */
export class KvConflictError extends EngineError {
  constructor(bucket: string, key: string, options?: ErrorOptions) {
    super(
      EngineErrorCode.KvConflict,
      `kv ${bucket}: ${key} changed concurrently (wrong last revision)`,
      options,
    );
  }
}

export class KvBucketNotFoundError extends EngineError {
  constructor(bucket: string) {
    super(EngineErrorCode.KvBucketNotFound, `kv bucket ${bucket} does not exist`);
  }
}

export class StreamNotFoundError extends EngineError {
  constructor(stream: string) {
    super(EngineErrorCode.StreamNotFound, `stream ${stream} does not exist`);
  }
}

export class ConsumerNotFoundError extends EngineError {
  constructor(stream: string, durable: string) {
    super(EngineErrorCode.ConsumerNotFound, `consumer ${durable} on stream ${stream} does not exist`);
  }
}

/** A publish whose subject no stream captures (JetStream answers "no responders"). */
export class NoStreamForSubjectError extends EngineError {
  constructor(subject: string) {
    super(EngineErrorCode.NoStreamForSubject, `no stream captures subject ${subject}`);
  }
}

export class RpcNoRespondersError extends EngineError {
  constructor(subject: string) {
    super(EngineErrorCode.RpcNoResponders, `nobody serves ${subject}`);
  }
}

export class RpcTimeoutError extends EngineError {
  constructor(subject: string, timeoutMs: number) {
    super(EngineErrorCode.RpcTimeout, `no answer on ${subject} within ${timeoutMs} ms`);
  }
}

export class EngineClosedError extends EngineError {
  constructor() {
    super(EngineErrorCode.Closed, 'the engine is closed');
  }
}

export class InvalidNameError extends EngineError {
  constructor(what: string, value: string, rule: string) {
    super(EngineErrorCode.InvalidName, `invalid ${what} ${JSON.stringify(value)}: ${rule}`);
  }
}

/** Bad input: retrying cannot help, so the message goes straight to the dead letters. */
export class TerminalError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(EngineErrorCode.Terminal, message, options);
  }
}

export const isTerminal = (error: unknown): boolean => error instanceof TerminalError;

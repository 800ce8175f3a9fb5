/**
 * What happens to a message that could not be handled: retried later with
 * backoff (nak), or — for bad input (TerminalError) or after too many
 * deliveries — parked as a dead letter with its error and then terminated.
 * A dead letter that cannot be published is retried, never dropped.
 */
import { type BackoffPolicy, backoffDelay } from '../backoff.ts';
import { isTerminal } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DeliveredMessage, EventLog } from '../types.ts';

export interface DeadLetterBody {
  actor: string;
  error: string;
  code?: string;
  stream: string;
  seq: number;
  subject: string;
  deliveries: number;
  /** The original payload, base64. */
  payload: string;
}

/** Observers of failures (metrics); they must not throw. */
export interface FailureHooks {
  /** A message's handling failed (before it is retried or parked). */
  onError?(kind: string, tenant: string, error: unknown): void;
  /** A message was parked as a dead letter. */
  onDeadLetter?(kind: string, tenant: string): void;
}

export interface FailureOptions {
  kind: string;
  log: EventLog;
  logger: Logger;
  deadSubject: (tenant: string, kind: string) => string;
  maxDeliver: number;
  backoff: BackoffPolicy;
  hooks?: FailureHooks;
}

const encoder = new TextEncoder();

export class FailureHandler {
  readonly #o: FailureOptions;

  constructor(options: FailureOptions) {
    this.#o = options;
  }

  delay(message: DeliveredMessage): number {
    return backoffDelay(message.info.deliveryCount, this.#o.backoff);
  }

  /** True when a message has already been delivered more times than allowed (a poison message that kills its handler). */
  exhausted(message: DeliveredMessage): boolean {
    return message.info.deliveryCount > this.#o.maxDeliver;
  }

  async fail(message: DeliveredMessage, tenant: string, error: unknown): Promise<void> {
    this.#o.hooks?.onError?.(this.#o.kind, tenant, error);
    if (isTerminal(error) || message.info.deliveryCount >= this.#o.maxDeliver) {
      await this.deadLetter(message, tenant, error);
      return;
    }
    const delayMs = this.delay(message);
    this.#o.logger.warn(
      { err: error, tenant, seq: message.seq, deliveries: message.info.deliveryCount, retryInMs: delayMs },
      'message failed; retrying',
    );
    message.nak(delayMs);
  }

  async deadLetter(message: DeliveredMessage, tenant: string, error: unknown): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    const code = (err as { code?: unknown }).code;
    const body: DeadLetterBody = {
      actor: this.#o.kind,
      error: err.message.slice(0, 4000),
      ...(typeof code === 'string' ? { code } : {}),
      stream: message.info.stream,
      seq: message.seq,
      subject: message.subject,
      deliveries: message.info.deliveryCount,
      payload: Buffer.from(message.data).toString('base64'),
    };
    try {
      await this.#o.log.publish(
        this.#o.deadSubject(tenant, this.#o.kind),
        encoder.encode(JSON.stringify(body)),
        {
          msgId: `dead:${this.#o.kind}:${message.info.stream}:${message.seq}`,
        },
      );
    } catch (publishError) {
      this.#o.logger.error(
        { err: publishError, tenant, seq: message.seq },
        'dead letter not stored; will retry',
      );
      message.nak(this.delay(message));
      return;
    }
    this.#o.logger.error(
      { tenant, seq: message.seq, subject: message.subject, error: body.error },
      'dead letter',
    );
    this.#o.hooks?.onDeadLetter?.(this.#o.kind, tenant);
    message.term(body.error);
  }
}

/**
 * Dashboard sessions, kept server-side in the engine's KV (`scopilot_sessions`)
 * so every edge replica, on either engine, sees the same ones. The browser
 * holds only a random id (256 bits); the bucket holds the sha256 of that id
 * with the principal and an expiry, so reading the bucket signs no one in.
 *
 * A session ends at sign-out (its record is deleted), at its expiry (checked
 * on every read; the bucket's max age sweeps what is left), when the API key
 * it was opened with is no longer configured, and at the latest when the JWT
 * it was opened with expires. A key's role and holder are read afresh each
 * time, so a changed key takes effect at once.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Engine } from '../engine/types.ts';
import {
  Bucket,
  bucketName,
  keys,
  SESSION_MAX_AGE_MS,
  SessionRecord,
  TypedBucket,
} from '../kv-schema/mod.ts';
import type { Namespace } from '../streams/namespace.ts';
import type { Authenticator, Credential, Principal, SessionLookup } from './auth.ts';

/** 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const digestOf = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

export interface SessionsOptions {
  engine: Engine;
  ns: Namespace;
  auth: Authenticator;
  /** How long a session lasts (default and at most: the bucket's max age, 12 h). */
  ttlMs?: number;
  now?: () => number;
}

export interface Opened {
  id: string;
  /** For the cookie's Max-Age. */
  maxAgeSeconds: number;
}

export class Sessions implements SessionLookup {
  readonly #o: SessionsOptions;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #bucket: Promise<TypedBucket<typeof SessionRecord>> | undefined;

  constructor(o: SessionsOptions) {
    this.#o = o;
    this.#ttlMs = Math.min(o.ttlMs ?? SESSION_MAX_AGE_MS, SESSION_MAX_AGE_MS);
    this.#now = o.now ?? Date.now;
  }

  // Opened on first use: the routers are built before the engine's schema exists.
  #store(): Promise<TypedBucket<typeof SessionRecord>> {
    this.#bucket ??= this.#o.engine.kv
      .bucket(bucketName(Bucket.Sessions, this.#o.ns))
      .then((b) => new TypedBucket(b, SessionRecord));
    this.#bucket.catch(() => {
      this.#bucket = undefined;
    });
    return this.#bucket;
  }

  /** A new session for what a token proved. */
  async open(credential: Credential): Promise<Opened> {
    const id = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
    const nowMs = this.#now();
    const expiresAtMs = Math.min(nowMs + this.#ttlMs, credential.expiresAtMs ?? Number.POSITIVE_INFINITY);
    const { tenant, role, subject } = credential.principal;
    await (await this.#store()).create(keys.session(digestOf(id)), {
      tenant,
      role,
      subject,
      ...(credential.key === undefined ? {} : { key: credential.key }),
      createdAtMs: nowMs,
      expiresAtMs,
    });
    return { id, maxAgeSeconds: Math.max(0, Math.floor((expiresAtMs - nowMs) / 1000)) };
  }

  /** Who a session id belongs to, or null when it is unknown, ended or expired. */
  async principalOf(id: string): Promise<Principal | null> {
    if (!SESSION_ID.test(id)) return null;
    const store = await this.#store();
    const key = keys.session(digestOf(id));
    const found = await store.get(key);
    if (found === null) return null;
    const s = found.value;
    const current = s.key === undefined ? s : this.#o.auth.keyPrincipal(s.key);
    if (this.#now() >= s.expiresAtMs || current === null || current.tenant !== s.tenant) {
      await store.raw.delete(key).catch(() => undefined);
      return null;
    }
    return { tenant: current.tenant, role: current.role, subject: current.subject };
  }

  /** Ends a session (sign-out); an unknown id is no error. */
  async end(id: string): Promise<void> {
    if (!SESSION_ID.test(id)) return;
    await (await this.#store()).raw.delete(keys.session(digestOf(id)));
  }
}

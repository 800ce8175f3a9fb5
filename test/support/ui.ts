/**
 * Helpers for the dashboard's HTTP tests: the REST harness (API, stores, a
 * matrix keeper) plus a browser-like client that signs in through
 * `/ui/login`, keeps the session cookie and posts forms from this origin.
 */
import { expect } from 'bun:test';
import { SESSION_COOKIE } from '../../edge/auth.ts';
import type { TestApi } from './api.ts';

export const ORIGIN = 'http://api.test';

export interface UiRequest {
  cookie?: string | null;
  /** Sent as the Origin header; `null` sends none. Default: this origin. */
  origin?: string | null;
  form?: Record<string, string>;
  method?: string;
}

/** One request to the app as a browser would send it. */
export function uiFetch(api: TestApi, path: string, r: UiRequest = {}): Promise<Response> {
  const headers = new Headers();
  if (r.cookie) headers.set('cookie', `${SESSION_COOKIE}=${encodeURIComponent(r.cookie)}`);
  const method = r.method ?? (r.form === undefined ? 'GET' : 'POST');
  if (method !== 'GET' && r.origin !== null) headers.set('origin', r.origin ?? ORIGIN);
  const init: RequestInit = { method, headers, redirect: 'manual' };
  if (r.form !== undefined) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    init.body = new URLSearchParams(r.form).toString();
  }
  return Promise.resolve(api.app.request(`${ORIGIN}${path}`, init));
}

/** Sign in with `token`; returns the session cookie's value (a random session id, never the token). */
export async function login(api: TestApi, token: string): Promise<string> {
  const res = await uiFetch(api, '/ui/login', { form: { token, next: '/ui' } });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie') ?? '';
  const match = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(cookie);
  expect(match).not.toBeNull();
  return decodeURIComponent(match?.[1] ?? '');
}

/** GET a page with a session; expects 200 HTML and returns its text. */
export async function pageText(api: TestApi, path: string, cookie: string): Promise<string> {
  const res = await uiFetch(api, path, { cookie });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toStartWith('text/html');
  return res.text();
}

/**
 * What the client checks on its way in and out: its settings at
 * construction (an https URL, a CA bundle that really is PEM), the input of
 * a write before it is sent, and the id in a create's `Location` header.
 * Each failure is an IseError that says what to fix.
 */
import { X509Certificate } from 'node:crypto';
import * as v from 'valibot';
import { IseError, IseErrorCode } from './errors.ts';
import { describeIssues } from './schemas.ts';
import type { Answer } from './types.ts';

/** The new object's id: the last segment of `Location: …/ers/config/<resource>/<id>`. */
export function createdId(resource: string, a: Answer): string {
  const location = a.headers.get('location') ?? '';
  let id = '';
  try {
    const path = new URL(location, 'https://ise.invalid').pathname;
    if (path.startsWith(`/ers/config/${resource}/`)) id = decodeURIComponent(path.split('/').pop() ?? '');
  } catch {
    id = '';
  }
  if (id === '') {
    throw new IseError(
      IseErrorCode.InvalidResponse,
      `ISE created the ${resource} (HTTP ${a.status}) but its Location header (${JSON.stringify(location.slice(0, 200))}) names no id; re-read ISE to find it`,
      { status: a.status, method: 'POST', path: `/ers/config/${resource}` },
    );
  }
  return id;
}

export function checked<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> {
  const parsed = v.safeParse(schema, input);
  if (!parsed.success) {
    throw new IseError(
      IseErrorCode.BadRequest,
      `invalid ${what}, not sent to ISE: ${describeIssues(parsed.issues)}`,
    );
  }
  return parsed.output;
}

export function checkUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new IseError(IseErrorCode.InvalidConfig, `the ISE URL ${JSON.stringify(url)} is not a URL`);
  }
  // Basic credentials go with every call: never over plain HTTP.
  if (u.protocol !== 'https:') {
    throw new IseError(
      IseErrorCode.InvalidConfig,
      `the ISE URL must be https://, got ${u.protocol}//${u.host}`,
    );
  }
  return u.origin;
}

/** A bundle that is not PEM would make every call fail with an obscure socket error; say so at once. */
export function checkCaPem(pem: string): void {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw new IseError(
      IseErrorCode.InvalidConfig,
      'the ISE CA bundle holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new IseError(
        IseErrorCode.InvalidConfig,
        `certificate ${i + 1} of the ISE CA bundle does not parse`,
        { cause: e },
      );
    }
  });
}

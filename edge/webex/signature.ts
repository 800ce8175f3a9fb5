/**
 * WebEx signs each webhook delivery: `X-Spark-Signature` is the hex
 * HMAC-SHA1 of the raw body with the webhook's secret. It is checked over the
 * bytes as received, before anything is parsed, with WebCrypto's `verify`
 * (a constant-time comparison, and web-standard, so it runs under Deno too).
 */

const HEX_SHA1 = /^[0-9a-f]{40}$/i;

export function signatureKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['verify'],
  );
}

/** Whether `header` is the body's signature under `key`; a missing or malformed header is not. */
export async function verifySignature(
  key: CryptoKey,
  body: Uint8Array<ArrayBuffer>,
  header: string | null | undefined,
): Promise<boolean> {
  const hex = header?.trim() ?? '';
  if (!HEX_SHA1.test(hex)) return false;
  const signature = new Uint8Array(20);
  for (let i = 0; i < 20; i++) signature[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return crypto.subtle.verify('HMAC', key, signature, body);
}

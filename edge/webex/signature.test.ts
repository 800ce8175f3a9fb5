/** X-Spark-Signature: hex HMAC-SHA1 of the raw body, checked with WebCrypto. */
import { expect, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { signatureKey, verifySignature } from './signature.ts';

const body = new TextEncoder().encode('{"id":"w1","data":{"id":"a1"}}');
const hex = (secret: string, bytes: Uint8Array) => createHmac('sha1', secret).update(bytes).digest('hex');

test('the right signature verifies, in either case of hex', async () => {
  const key = await signatureKey('s3cret');
  expect(await verifySignature(key, body, hex('s3cret', body))).toBe(true);
  expect(await verifySignature(key, body, hex('s3cret', body).toUpperCase())).toBe(true);
});

test('another secret, another body, or a malformed header does not', async () => {
  const key = await signatureKey('s3cret');
  const good = hex('s3cret', body);
  expect(await verifySignature(key, body, hex('other', body))).toBe(false);
  expect(await verifySignature(key, new TextEncoder().encode('{"id":"w1","data":{"id":"a2"}}'), good)).toBe(
    false,
  );
  for (const bad of [null, undefined, '', good.slice(0, 39), `${good}00`, `sha1=${good}`, 'z'.repeat(40)]) {
    expect(await verifySignature(key, body, bad)).toBe(false);
  }
});

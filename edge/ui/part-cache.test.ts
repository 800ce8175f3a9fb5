/** PartCache: a part is drawn once per key, again when the key moves, never kept without a key. */
import { describe, expect, test } from 'bun:test';
import { html } from 'hono/html';
import { PartCache } from './part-cache.ts';

describe('PartCache', () => {
  test('keeps a part per tenant until its key changes', async () => {
    const cache = new PartCache(2);
    const store = {};
    let draws = 0;
    const draw = (text: string) => () => {
      draws++;
      return html`<p>${text}</p>`;
    };
    expect(String(await cache.get(store, 'a', 'k1', draw('one')))).toBe('<p>one</p>');
    expect(String(await cache.get(store, 'a', 'k1', draw('two')))).toBe('<p>one</p>');
    expect(draws).toBe(1);
    expect(String(await cache.get(store, 'a', 'k2', draw('three')))).toBe('<p>three</p>');
    expect(draws).toBe(2);
    // No key: drawn every time, nothing kept.
    await cache.get(store, 'b', null, draw('x'));
    await cache.get(store, 'b', null, draw('x'));
    expect(draws).toBe(4);
    // Another store keeps its own.
    expect(String(await cache.get({}, 'a', 'k2', draw('four')))).toBe('<p>four</p>');
  });

  test('drops the tenant drawn least recently beyond its size', async () => {
    const cache = new PartCache(2);
    const store = {};
    let draws = 0;
    const draw = () => {
      draws++;
      return html`<p>${draws}</p>`;
    };
    await cache.get(store, 'a', 'k', draw);
    await cache.get(store, 'b', 'k', draw);
    await cache.get(store, 'a', 'k', draw); // a is now the most recent
    await cache.get(store, 'c', 'k', draw); // b goes
    expect(draws).toBe(3);
    await cache.get(store, 'a', 'k', draw);
    expect(draws).toBe(3);
    await cache.get(store, 'b', 'k', draw);
    expect(draws).toBe(4);
  });
});

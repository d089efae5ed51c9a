import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBoundedCache } from '../../../authz/lib/bounded-cache.js';

test('a full cache drops its oldest entry first and counts the eviction', () => {
  const c = createBoundedCache<number>('t', 2);
  c.set('a', 1);
  c.set('b', 2);
  c.set('a', 10); // an update is not an insertion
  c.set('c', 3);
  assert.equal(c.get('a'), undefined);
  assert.equal(c.get('b'), 2);
  assert.equal(c.get('c'), 3);
  assert.deepEqual([c.size, c.evictions, c.hits, c.misses], [2, 1, 2, 1]);
});

test('an entry its owner found stale is counted as expired, a deletion is not', () => {
  const c = createBoundedCache<string, number>('t', 10);
  c.set(1, 'x');
  c.set(2, 'y');
  c.expire(1);
  c.expire(1); // already gone: counted once
  c.delete(2);
  assert.deepEqual([c.size, c.expired, c.evictions], [0, 1, 0]);
});

test('a cache never holds more than its bound, whatever is inserted', () => {
  const c = createBoundedCache<number>('t', 100);
  for (let i = 0; i < 10_000; i++) c.set(`k${i}`, i);
  assert.equal(c.size, 100);
  assert.equal(c.evictions, 9_900);
  assert.equal(c.get('k9999'), 9999);
  assert.equal(c.get('k0'), undefined);
});

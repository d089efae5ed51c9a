// The record cache's synchronous peek (authz's hot path): it answers only from memory, counts a
// hit like the async getter, and says `undefined` whenever the async getter must answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore, openRecordCache } from '../../../databroker/index.js';
import { eventually, sessionData, userData } from '../../helpers/records.js';

const T0 = 1_800_000_000_000;

async function setup(maxEntries?: number) {
  let clock = T0;
  const store = createMemoryStore({ now: () => clock, pollMs: 50 });
  const cache = await openRecordCache(store, {
    now: () => clock,
    ...(maxEntries === undefined ? {} : { maxEntries }),
  });
  return {
    store,
    cache,
    setClock: (t: number) => {
      clock = t;
    },
    async close() {
      await cache.close();
      await store.close();
    },
  };
}

test('peek says undefined for a record that was never read and never reads the store', async () => {
  const t = await setup();
  try {
    await t.store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
    assert.equal(t.cache.peekSession('s1'), undefined);
    assert.equal(t.cache.peek('session', 's1'), undefined);
    assert.deepEqual([t.cache.metrics().hits, t.cache.metrics().misses], [0, 0]);
  } finally {
    await t.close();
  }
});

test('peek serves a cached record synchronously and counts a hit', async () => {
  const t = await setup();
  try {
    await t.store.put([
      { type: 'session', id: 's1', data: sessionData('s1') },
      { type: 'user', id: 'u1', data: userData('u1') },
    ]);
    const viaGet = await t.cache.getSession('s1');
    await t.cache.getUser('u1');
    assert.equal(t.cache.peekSession('s1'), viaGet);
    assert.deepEqual(t.cache.peekUser('u1'), userData('u1'));
    assert.deepEqual([t.cache.metrics().hits, t.cache.metrics().misses], [2, 2]);
  } finally {
    await t.close();
  }
});

test('peek says undefined once the feed reports the deletion', async () => {
  const t = await setup();
  try {
    await t.store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
    await t.cache.getSession('s1');
    await t.store.delete('session', 's1');
    await eventually(() => t.cache.peekSession('s1') === undefined);
    assert.equal(await t.cache.getSession('s1'), null);
  } finally {
    await t.close();
  }
});

test('peek says undefined for a record past its expiry', async () => {
  const t = await setup();
  try {
    await t.store.put([
      { type: 'session', id: 's1', data: sessionData('s1', { expires_at: T0 + 100 }) },
    ]);
    assert.ok(await t.cache.getSession('s1'));
    t.setClock(T0 + 100);
    assert.equal(t.cache.peekSession('s1'), undefined);
    assert.equal(await t.cache.getSession('s1'), null);
  } finally {
    await t.close();
  }
});

test('a record hit by peek in the older half of the bound is kept over younger unused ones', async () => {
  const t = await setup(4);
  try {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    await t.store.put(ids.map((id) => ({ type: 'user' as const, id, data: userData(id) })));
    for (const id of ['a', 'b', 'c', 'd']) await t.cache.getUser(id);
    assert.ok(t.cache.peekUser('a'));
    await t.cache.getUser('e');
    assert.deepEqual(
      ids.map((id) => t.cache.has('user', id)),
      [true, false, true, true, true],
    );
  } finally {
    await t.close();
  }
});

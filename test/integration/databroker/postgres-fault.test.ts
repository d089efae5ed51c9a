// Fault tests on a PRIVATE throwaway Postgres (never the shared one): the server is stopped and
// started while a subscriber listens; the feed must resume with every change, once, in order;
// writes and uncached reads during the outage fail with STORE_UNAVAILABLE (fail closed).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  openPostgresStore,
  openRecordCache,
  type RecordChange,
  type RecordStore,
} from '../../../databroker/index.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../helpers/private-postgres.js';
import { eventually, sessionData, userData } from '../../helpers/records.js';

let server: PrivatePostgres;
const stores: RecordStore[] = [];

before(async () => {
  server = await startPrivatePostgres();
});
after(async () => {
  for (const s of stores) await s.close();
  await server?.destroy();
});

const open = async (): Promise<RecordStore> => {
  const s = await openPostgresStore({
    connectionString: server.url,
    sharedSecret: 'fault-secret',
    schema: 'fault',
    poolSize: 3,
    pollMs: 300,
    connectionTimeoutMs: 2000,
  });
  stores.push(s);
  return s;
};

async function retry<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== 'STORE_UNAVAILABLE' || i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('a subscriber keeps every change across a server restart, none duplicated or out of order', async () => {
  const reader = await open();
  const writer = await open();
  await writer.put([{ type: 'session', id: 'cached', data: sessionData('cached') }]);
  const cache = await openRecordCache(reader);
  assert.ok(await cache.getSession('cached'));

  const got: RecordChange[] = [];
  const errors: string[] = [];
  let recovered = 0;
  const sub = await reader.subscribe({
    onChanges: (cs) => void got.push(...cs),
    onError: (e) => void errors.push((e as { code?: string }).code ?? 'none'),
    onRecover: () => void recovered++,
  });
  const expected: string[] = [];
  for (let i = 0; i < 10; i++) {
    await writer.put([{ type: 'user', id: `before${i}`, data: userData(`before${i}`) }]);
    expected.push(`before${i}`);
  }

  await server.stop();
  await assert.rejects(
    writer.put([{ type: 'user', id: 'lost', data: userData('lost') }]),
    (err: { code?: string }) => err.code === 'STORE_UNAVAILABLE',
  );
  // Fail closed: a cached session is still served, an uncached one is a typed error.
  assert.ok(await cache.getSession('cached'));
  await assert.rejects(
    cache.getSession('other'),
    (err: { code?: string }) => err.code === 'STORE_UNAVAILABLE',
  );
  await eventually(() => errors.length > 0, 10_000);

  await server.start();
  // Written while the subscriber's listener is still reconnecting.
  for (let i = 0; i < 20; i++) {
    await retry(() => writer.put([{ type: 'user', id: `after${i}`, data: userData(`after${i}`) }]));
    expected.push(`after${i}`);
  }
  await retry(() => writer.delete('session', 'cached'));
  expected.push('cached');

  await eventually(() => got.length >= expected.length, 15_000);
  await new Promise((r) => setTimeout(r, 400));
  await sub.close();
  await cache.close();
  assert.deepEqual(
    got.map((c) => c.id),
    expected,
  );
  const versions = got.map((c) => c.version);
  assert.deepEqual(
    [...versions].sort((a, b) => a - b),
    versions,
  );
  assert.ok(errors.every((c) => c === 'STORE_UNAVAILABLE'));
  assert.ok(recovered >= 1);
});

test('the cache evicts a session deleted right after a restart', async () => {
  const reader = await open();
  const writer = await open();
  await writer.put([{ type: 'session', id: 's-restart', data: sessionData('s-restart') }]);
  const cache = await openRecordCache(reader);
  try {
    assert.ok(await cache.getSession('s-restart'));
    await server.stop();
    await server.start();
    await retry(() => writer.delete('session', 's-restart'));
    await eventually(() => cache.metrics().size === 0, 10_000);
    assert.equal(await retry(() => cache.getSession('s-restart')), null);
  } finally {
    await cache.close();
  }
});

test('the cache stops serving cached sessions once the feed has been down longer than maxStaleMs', async () => {
  const reader = await open();
  const writer = await open();
  await writer.put([{ type: 'session', id: 'stale', data: sessionData('stale') }]);
  const cache = await openRecordCache(reader, { maxStaleMs: 200 });
  try {
    assert.ok(await cache.getSession('stale'));
    await server.stop();
    await eventually(() => !cache.metrics().feed_healthy, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(
      cache.getSession('stale'),
      (err: { code?: string }) => err.code === 'STORE_UNAVAILABLE',
    );
    await server.start();
    assert.ok(await retry(() => cache.getSession('stale')));
  } finally {
    await cache.close();
  }
});

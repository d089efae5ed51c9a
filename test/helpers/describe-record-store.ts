// The ONE conformance suite every RecordStore backend must pass (memory and Postgres), including
// the record cache on top of it. Each backend's test file calls describeRecordStore once.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { openRecordCache, type RecordChange, type RecordStore } from '../../databroker/index.js';
import { eventually, groupData, sessionData, userData } from './records.js';

export interface StoreFactory {
  /** Opens a fresh, empty store using the given clock (epoch ms). */
  open(now: () => number): Promise<RecordStore>;
  /** Runs once after the suite (drop schemas, …). */
  teardown?(): Promise<void>;
}

const T0 = 1_800_000_000_000;

async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.equal((err as { code?: string }).code, code, String(err));
    return true;
  });
}

export function describeRecordStore(name: string, factory: StoreFactory): void {
  describe(`RecordStore conformance: ${name}`, () => {
    let clock = T0;
    let store: RecordStore;
    const opened: RecordStore[] = [];
    const now = (): number => clock;

    beforeEach(async () => {
      clock = T0;
      store = await factory.open(now);
      opened.push(store);
    });
    after(async () => {
      for (const s of opened) await s.close();
      await factory.teardown?.();
    });

    test('stores a session and reads it back with a version and the store time', async () => {
      const [written] = await store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
      const read = await store.get('session', 's1');
      assert.ok(read);
      assert.equal(read.version, written!.version);
      assert.equal(read.modified_at, T0);
      assert.equal(read.deleted_at, null);
      assert.deepEqual(read.data, sessionData('s1'));
    });

    test('assigns one strictly increasing version sequence across all types', async () => {
      const out = await store.put([
        { type: 'user', id: 'u1', data: userData('u1') },
        { type: 'group', id: 'g1', data: groupData('g1') },
        { type: 'session', id: 's1', data: sessionData('s1') },
      ]);
      const [again] = await store.put([{ type: 'user', id: 'u1', data: userData('u1') }]);
      const versions = [...out, again!].map((r) => r.version);
      assert.deepEqual(
        [...versions].sort((a, b) => a - b),
        versions,
      );
      assert.equal(new Set(versions).size, versions.length);
    });

    test('returns null for a missing record and refuses unknown types', async () => {
      assert.equal(await store.get('session', 'nope'), null);
      await rejectsWithCode(store.get('bogus' as 'session', 'x'), 'RECORD_INVALID');
    });

    const hostileIds = ['', 'a\u0000b', 'x'.repeat(513), "' OR 1=1 --", '../../etc/passwd'];
    test('treats hostile ids as missing records on read and delete', async () => {
      await store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
      for (const id of hostileIds) {
        assert.equal(await store.get('session', id), null);
        assert.equal(await store.delete('session', id), false);
      }
      const cache = await openRecordCache(store, { now });
      try {
        for (const id of hostileIds) assert.equal(await cache.getSession(id), null);
      } finally {
        await cache.close();
      }
      assert.ok(await store.get('session', 's1'));
    });

    const invalid: { name: string; record: unknown }[] = [
      {
        name: 'a session without user_id',
        record: { type: 'session', id: 's', data: { id: 's' } },
      },
      { name: 'data whose id differs', record: { type: 'user', id: 'a', data: userData('b') } },
      { name: 'an empty id', record: { type: 'user', id: '', data: userData('') } },
      {
        name: 'an id with NUL',
        record: { type: 'user', id: 'a\u0000b', data: userData('a\u0000b') },
      },
      { name: 'an unknown type', record: { type: 'device', id: 'd', data: { id: 'd' } } },
      {
        name: 'claims that are not lists',
        record: { type: 'user', id: 'u', data: { ...userData('u'), claims: { a: 1 } } },
      },
    ];
    for (const c of invalid) {
      test(`refuses ${c.name} and writes nothing of the batch`, async () => {
        const before = await store.info();
        await rejectsWithCode(
          store.put([{ type: 'user', id: 'ok', data: userData('ok') }, c.record as never]),
          'RECORD_INVALID',
        );
        assert.equal(await store.get('user', 'ok'), null);
        assert.equal((await store.changesSince(before.latest_version)).changes.length, 0);
      });
    }

    test('fails a batch whose expected_version is stale with RECORD_CONFLICT and applies none of it', async () => {
      const [u] = await store.put([
        { type: 'user', id: 'u1', data: userData('u1'), expected_version: 0 },
      ]);
      await rejectsWithCode(
        store.put([{ type: 'user', id: 'u1', data: userData('u1'), expected_version: 0 }]),
        'RECORD_CONFLICT',
      );
      await rejectsWithCode(
        store.put([
          { type: 'user', id: 'u2', data: userData('u2') },
          {
            type: 'user',
            id: 'u1',
            data: userData('u1', { name: 'x' }),
            expected_version: u!.version - 1,
          },
        ]),
        'RECORD_CONFLICT',
      );
      assert.equal(await store.get('user', 'u2'), null);
      const ok = await store.put([
        {
          type: 'user',
          id: 'u1',
          data: userData('u1', { name: 'y' }),
          expected_version: u!.version,
        },
      ]);
      assert.equal((await store.get('user', 'u1'))?.data?.name, 'y');
      assert.equal(ok.length, 1);
    });

    test('two concurrent writers with expected_version never lose an update', async () => {
      await store.put([{ type: 'group', id: 'g', data: groupData('g') }]);
      const writer = async (who: string): Promise<void> => {
        for (let i = 0; i < 10; i++) {
          for (;;) {
            const cur = (await store.get('group', 'g'))!;
            const data = { ...cur.data!, member_ids: [...cur.data!.member_ids, `${who}${i}`] };
            try {
              await store.put([{ type: 'group', id: 'g', data, expected_version: cur.version }]);
              break;
            } catch (err) {
              if ((err as { code?: string }).code !== 'RECORD_CONFLICT') throw err;
            }
          }
        }
      };
      await Promise.all([writer('a'), writer('b')]);
      const members = (await store.get('group', 'g'))!.data!.member_ids;
      assert.equal(members.length, 20);
      assert.equal(new Set(members).size, 20);
    });

    test('deletes a record: reads miss it and the feed carries a tombstone', async () => {
      const before = await store.info();
      await store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
      assert.equal(await store.delete('session', 's1'), true);
      assert.equal(await store.get('session', 's1'), null);
      assert.equal(await store.delete('session', 's1'), false);
      const { changes } = await store.changesSince(before.latest_version);
      assert.deepEqual(
        changes.map((c) => [c.id, c.deleted_at !== null, c.data === null]),
        [
          ['s1', false, false],
          ['s1', true, true],
        ],
      );
    });

    test('lists a type in id order with paging, without deleted or expired records', async () => {
      const ids = ['c', 'a', 'e', 'b', 'd', 'f'];
      await store.put(ids.map((id) => ({ type: 'user' as const, id, data: userData(id) })));
      await store.put([{ type: 'group', id: 'zz', data: groupData('zz') }]);
      await store.delete('user', 'd');
      await store.put([{ type: 'user', id: 'e', data: userData('e'), expires_at: T0 + 10 }]);
      clock = T0 + 10;
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await store.list(
          'user',
          cursor === undefined ? { limit: 2 } : { limit: 2, after: cursor },
        );
        seen.push(...page.records.map((r) => r.id));
        if (page.next === null) break;
        cursor = page.next;
      }
      assert.deepEqual(seen, ['a', 'b', 'c', 'f']);
    });

    test('returns changes after a version in version order, honouring the limit', async () => {
      const start = (await store.info()).latest_version;
      for (let i = 0; i < 5; i++)
        await store.put([{ type: 'user', id: `u${i}`, data: userData(`u${i}`) }]);
      const first = await store.changesSince(start, { limit: 3 });
      assert.deepEqual(
        first.changes.map((c) => c.id),
        ['u0', 'u1', 'u2'],
      );
      const rest = await store.changesSince(first.changes[2]!.version);
      assert.deepEqual(
        rest.changes.map((c) => c.id),
        ['u3', 'u4'],
      );
      assert.equal(rest.latest_version, rest.changes[1]!.version);
    });

    test('hides expired records from reads and sweeps them into tombstones', async () => {
      await store.put([
        { type: 'session', id: 'short', data: sessionData('short', { expires_at: T0 + 1000 }) },
        { type: 'user', id: 'ttl', data: userData('ttl'), expires_at: T0 + 500 },
        { type: 'user', id: 'forever', data: userData('forever') },
      ]);
      assert.ok(await store.get('session', 'short'));
      const before = (await store.info()).latest_version;
      clock = T0 + 1000;
      assert.equal(await store.get('session', 'short'), null);
      assert.equal(await store.get('user', 'ttl'), null);
      assert.ok(await store.get('user', 'forever'));
      assert.equal(await store.sweep(), 2);
      const { changes } = await store.changesSince(before);
      assert.deepEqual(changes.map((c) => [c.type, c.id, c.deleted_at]).sort(), [
        ['session', 'short', T0 + 1000],
        ['user', 'ttl', T0 + 1000],
      ]);
    });

    test('trims the change log past the retention window and says so to late readers', async () => {
      const start = (await store.info()).latest_version;
      await store.put([{ type: 'user', id: 'old', data: userData('old') }]);
      clock = T0 + 2 * 3_600_000;
      const [fresh] = await store.put([{ type: 'user', id: 'new', data: userData('new') }]);
      await store.sweep();
      await rejectsWithCode(store.changesSince(start), 'CHANGES_TRIMMED');
      assert.deepEqual(
        (await store.changesSince(fresh!.version - 1)).changes.map((c) => c.id),
        ['new'],
      );
    });

    test('resets a subscriber whose position is older than the retained change log', async () => {
      const start = (await store.info()).latest_version;
      await store.put([{ type: 'user', id: 'old', data: userData('old') }]);
      clock = T0 + 2 * 3_600_000;
      await store.put([{ type: 'user', id: 'new', data: userData('new') }]);
      await store.sweep();
      const resets: number[] = [];
      const got: string[] = [];
      const sub = await store.subscribe(
        {
          onChanges: (cs) => void got.push(...cs.map((c) => c.id)),
          onReset: (i) => void resets.push(i.latest_version),
        },
        { after: start },
      );
      await eventually(() => resets.length === 1);
      await store.put([{ type: 'user', id: 'later', data: userData('later') }]);
      await eventually(() => got.includes('later'));
      await sub.close();
      assert.deepEqual(got, ['later']);
    });

    test('pushes every new change to a subscriber once, in order', async () => {
      await store.put([{ type: 'user', id: 'before', data: userData('before') }]);
      const got: RecordChange[] = [];
      const sub = await store.subscribe({ onChanges: (cs) => void got.push(...cs) });
      for (let i = 0; i < 20; i++)
        await store.put([{ type: 'user', id: `u${i}`, data: userData(`u${i}`) }]);
      await store.delete('user', 'u3');
      await eventually(() => got.length === 21);
      await sub.close();
      assert.deepEqual(
        got.map((c) => c.id),
        [...Array.from({ length: 20 }, (_, i) => `u${i}`), 'u3'],
      );
      const versions = got.map((c) => c.version);
      assert.deepEqual(
        [...versions].sort((a, b) => a - b),
        versions,
      );
      assert.equal(sub.position, versions.at(-1));
    });

    test('gives a lease to one holder at a time until it expires or is released', async () => {
      const a = await store.lease('sweeper', 1000);
      assert.ok(a);
      assert.equal(await store.lease('sweeper', 1000), null);
      assert.ok(await store.lease('other', 1000));
      clock = T0 + 1000;
      const b = await store.lease('sweeper', 1000);
      assert.ok(b);
      assert.equal(await a.renew(1000), false);
      assert.equal(await b.renew(5000), true);
      await b.release();
      assert.ok(await store.lease('sweeper', 1000));
    });

    test('a reset empties the store, rotates server_version and resets subscribers', async () => {
      await store.put([{ type: 'user', id: 'u1', data: userData('u1') }]);
      const before = await store.info();
      let resets = 0;
      const got: string[] = [];
      const sub = await store.subscribe({
        onChanges: (cs) => void got.push(...cs.map((c) => c.id)),
        onReset: () => void resets++,
      });
      await store.reset();
      const afterInfo = await store.info();
      assert.notEqual(afterInfo.server_version, before.server_version);
      assert.equal(await store.get('user', 'u1'), null);
      await eventually(() => resets === 1);
      await store.put([{ type: 'user', id: 'u2', data: userData('u2') }]);
      await eventually(() => got.includes('u2'));
      await sub.close();
      assert.deepEqual(got, ['u2']);
    });

    test('the cache serves a session from memory after the first read', async () => {
      await store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
      const cache = await openRecordCache(store, { now });
      try {
        assert.deepEqual(await cache.getSession('s1'), sessionData('s1'));
        assert.deepEqual(await cache.getSession('s1'), sessionData('s1'));
        assert.equal(await cache.getSession('missing'), null);
        const m = cache.metrics();
        assert.deepEqual([m.hits, m.misses, m.size], [1, 2, 1]);
      } finally {
        await cache.close();
      }
    });

    test('the cache forgets a session as soon as the feed reports its deletion', async () => {
      await store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
      const cache = await openRecordCache(store, { now });
      try {
        assert.ok(await cache.getSession('s1'));
        await store.delete('session', 's1');
        await eventually(() => cache.metrics().size === 0);
        assert.equal(await cache.getSession('s1'), null);
      } finally {
        await cache.close();
      }
    });

    test('the cache picks up a newer version of a cached session from the feed', async () => {
      await store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
      const cache = await openRecordCache(store, { now });
      try {
        await cache.getSession('s1');
        await store.put([
          { type: 'session', id: 's1', data: sessionData('s1', { groups: ['ops'] }) },
        ]);
        await eventually(async () => (await cache.getSession('s1'))?.groups[0] === 'ops');
      } finally {
        await cache.close();
      }
    });

    test('the cache does not serve a session past its expiry', async () => {
      await store.put([
        { type: 'session', id: 's1', data: sessionData('s1', { expires_at: T0 + 100 }) },
      ]);
      const cache = await openRecordCache(store, { now });
      try {
        assert.ok(await cache.getSession('s1'));
        clock = T0 + 100;
        assert.equal(await cache.getSession('s1'), null);
      } finally {
        await cache.close();
      }
    });

    test('the cache evicts the least recently used entry beyond its bound', async () => {
      await store.put(
        ['a', 'b', 'c'].map((id) => ({ type: 'user' as const, id, data: userData(id) })),
      );
      const cache = await openRecordCache(store, { now, maxEntries: 2 });
      try {
        await cache.getUser('a');
        await cache.getUser('b');
        await cache.getUser('a');
        await cache.getUser('c');
        const m = cache.metrics();
        assert.deepEqual([m.size, m.evictions], [2, 1]);
        await cache.getUser('a');
        assert.equal(cache.metrics().hits, 2);
        await cache.getUser('b');
        assert.equal(cache.metrics().misses, 4);
      } finally {
        await cache.close();
      }
    });

    test('cached records are frozen so a caller cannot corrupt the cache', async () => {
      await store.put([{ type: 'session', id: 's1', data: sessionData('s1') }]);
      const cache = await openRecordCache(store, { now });
      try {
        const s = (await cache.getSession('s1'))!;
        assert.throws(() => {
          (s.groups as string[]).push('admins');
        });
        assert.deepEqual((await cache.getSession('s1'))!.groups, ['eng']);
      } finally {
        await cache.close();
      }
    });
  });
}

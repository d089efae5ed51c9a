// Postgres-only behaviour on the shared server: IdP tokens sealed at rest, concurrent
// migrations, two independent stores (and a second process) sharing one schema.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import {
  migrations,
  openPostgresStore,
  openRecordStore,
  type RecordStore,
} from '../../../databroker/index.js';
import {
  assertPostgresReachable,
  databaseUrl,
  dropSchema,
  testSchemaName,
} from '../../helpers/postgres.js';
import { groupData, sessionData } from '../../helpers/records.js';
import { spawnCacheChild } from '../../helpers/spawn-cache-child.js';

const schema = testSchemaName('shared');
const secret = 'shared-test-secret';
const stores: RecordStore[] = [];
let sql: pg.Client;

before(async () => {
  await assertPostgresReachable();
  sql = new pg.Client({ connectionString: databaseUrl() });
  await sql.connect();
});
after(async () => {
  for (const s of stores) await s.close();
  await sql.end();
  await dropSchema(schema);
  await dropSchema(`${schema}_mig`);
});

const open = async (opts: { secret?: string; schema?: string } = {}): Promise<RecordStore> => {
  const s = await openPostgresStore({
    connectionString: databaseUrl(),
    sharedSecret: opts.secret ?? secret,
    schema: opts.schema ?? schema,
    poolSize: 3,
    pollMs: 300,
  });
  stores.push(s);
  return s;
};

test('keeps IdP tokens out of every plain column, in records and in the change log', async () => {
  const store = await open();
  await store.put([{ type: 'session', id: 'sealed', data: sessionData('sealed') }]);
  const { rows } = await sql.query(
    `SELECT data::text AS t FROM "${schema}".records WHERE id = 'sealed'
     UNION ALL SELECT data::text FROM "${schema}".record_changes WHERE id = 'sealed'`,
  );
  assert.equal(rows.length, 2);
  for (const r of rows) {
    assert.doesNotMatch(r.t, /SECRET/);
    assert.match(r.t, /enc:v1:/);
    assert.match(r.t, /sub-1/); // non-secret fields stay queryable
  }
  const back = await store.get('session', 'sealed');
  assert.equal(back?.data?.oauth_token?.refresh_token, 'refresh-sealed-SECRET');
  assert.equal(back?.data?.id_token?.raw, 'eyJ.idtoken-sealed-SECRET.sig');
});

test('refuses to read sealed tokens with another shared_secret', async () => {
  const store = await open();
  await store.put([{ type: 'session', id: 'other-key', data: sessionData('other-key') }]);
  const wrong = await open({ secret: 'a-different-secret' });
  await assert.rejects(
    wrong.get('session', 'other-key'),
    (e: { code?: string }) => e.code === 'RECORD_INVALID',
  );
});

test('refuses a sealed token moved to another record', async () => {
  const store = await open();
  await store.put([
    { type: 'session', id: 'victim', data: sessionData('victim') },
    { type: 'session', id: 'thief', data: sessionData('thief') },
  ]);
  await sql.query(
    `UPDATE "${schema}".records SET data = jsonb_set(data, '{oauth_token}',
       (SELECT data->'oauth_token' FROM "${schema}".records WHERE id = 'victim'))
     WHERE id = 'thief'`,
  );
  await assert.rejects(
    store.get('session', 'thief'),
    (e: { code?: string }) => e.code === 'RECORD_INVALID',
  );
});

test('refuses a row whose JSON does not match the record schema when read back', async () => {
  const store = await open();
  await sql.query(
    `INSERT INTO "${schema}".records (type, id, version, data, modified_at) VALUES ('user', 'bad', 1, '{"id":"bad"}', 0)`,
  );
  await assert.rejects(
    store.get('user', 'bad'),
    (e: { code?: string }) => e.code === 'RECORD_INVALID',
  );
});

test('several processes migrating one schema at once apply each migration once', async () => {
  const mig = `${schema}_mig`;
  const opened = await Promise.all(Array.from({ length: 5 }, () => open({ schema: mig })));
  const { rows } = await sql.query(`SELECT migration_version FROM "${mig}".migration_info`);
  assert.deepEqual(rows, [{ migration_version: migrations.length }]);
  assert.equal(
    new Set(await Promise.all(opened.map(async (s) => (await s.info()).server_version))).size,
    1,
  );
});

test('two stores with separate pools writing the same record never lose an update', async () => {
  const [a, b] = [await open(), await open()];
  await a.put([{ type: 'group', id: 'shared', data: groupData('shared') }]);
  const writer = async (store: RecordStore, who: string): Promise<void> => {
    for (let i = 0; i < 15; i++) {
      for (;;) {
        const cur = (await store.get('group', 'shared'))!;
        const data = { ...cur.data!, member_ids: [...cur.data!.member_ids, `${who}${i}`] };
        try {
          await store.put([{ type: 'group', id: 'shared', data, expected_version: cur.version }]);
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== 'RECORD_CONFLICT') throw err;
        }
      }
    }
  };
  await Promise.all([writer(a, 'a'), writer(b, 'b')]);
  assert.equal((await a.get('group', 'shared'))!.data!.member_ids.length, 30);
});

test('a delete in one process is seen by the cache of another process', async () => {
  const store = await open();
  await store.put([
    { type: 'session', id: 'p1', data: sessionData('p1') },
    { type: 'session', id: 'p2', data: sessionData('p2') },
  ]);
  const child = await spawnCacheChild(databaseUrl(), schema, secret);
  try {
    child.send('load p1,p2');
    assert.equal(await child.next('loaded'), 'loaded 2');
    const evicted = child.next('evicted p1');
    await store.delete('session', 'p1');
    await evicted;
    child.send('get p1');
    assert.equal(await child.next('get p1'), 'get p1 null');
    child.send('get p2');
    assert.match(await child.next('get p2'), /"id":"p2"/);
  } finally {
    await child.stop();
  }
});

test('openRecordStore opens the backend the config names and refuses incomplete postgres config', async () => {
  const mem = await openRecordStore({});
  assert.equal(mem.backend, 'memory');
  await mem.close();
  const cases = [
    { databroker_storage_type: 'redis' },
    { databroker_storage_type: 'postgres', shared_secret: 'x' },
    { databroker_storage_type: 'postgres', databroker_storage_connection_string: databaseUrl() },
  ];
  for (const c of cases) {
    await assert.rejects(openRecordStore(c), (e: { code?: string }) => e.code === 'CONFIG_INVALID');
  }
  const pgStore = await openRecordStore(
    {
      databroker_storage_type: 'Postgres',
      databroker_storage_connection_string: databaseUrl(),
      shared_secret: secret,
    },
    { schema },
  );
  stores.push(pgStore);
  assert.equal(pgStore.backend, 'postgres');
});

test('reports an unreachable server as STORE_UNAVAILABLE', async () => {
  await assert.rejects(
    openPostgresStore({
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      sharedSecret: secret,
      schema,
      connectionTimeoutMs: 1000,
    }),
    (e: { code?: string }) => e.code === 'STORE_UNAVAILABLE',
  );
});

test('a change that cannot be read back is delivered without data instead of stalling the feed', async () => {
  const writer = await open();
  const before = (await writer.info()).latest_version;
  await writer.put([{ type: 'session', id: 'k1', data: sessionData('k1') }]);
  await writer.put([
    { type: 'user', id: 'k2', data: { id: 'k2', email: '', name: '', claims: {} } },
  ]);
  const otherKey = await open({ secret: 'yet-another-secret' });
  const { changes } = await otherKey.changesSince(before);
  assert.deepEqual(
    changes.map((c) => [c.id, c.data === null]),
    [
      ['k1', true],
      ['k2', false],
    ],
  );
});

// Databroker figures: revocation propagation between two processes (delete here → eviction in a
// child process's cache), get-by-id with 1,000,000 sessions in Postgres, cache hits, put
// throughput. Uses a bench-only schema on DATABASE_URL, dropped afterwards.
import pg from 'pg';
import {
  openPostgresStore,
  openRecordCache,
  type RecordStore,
  type Session,
} from '../databroker/index.js';
import { databaseUrl } from '../test/helpers/postgres.js';
import { spawnCacheChild } from '../test/helpers/spawn-cache-child.js';
import type { BenchResult } from './run.js';

const SECRET = 'bench-shared-secret';
const now = (): number => performance.timeOrigin + performance.now();

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const sortNum = (xs: number[]): number[] => xs.sort((a, b) => a - b);

function session(id: string): Session {
  return {
    id,
    user_id: `u-${id}`,
    idp_id: 'idp',
    issued_at: 1_700_000_000_000,
    expires_at: 0,
    accessed_at: 1_700_000_000_000,
    oauth_token: {
      access_token: `at-${id}`,
      token_type: 'Bearer',
      refresh_token: `rt-${id}`,
      expires_at: 0,
    },
    id_token: { issuer: 'https://idp', subject: id, issued_at: 0, expires_at: 0, raw: `raw-${id}` },
    claims: { email: [`${id}@example.com`] },
    audience: ['app.example.com'],
    groups: ['eng'],
  };
}

async function revocation(store: RecordStore, url: string, schema: string): Promise<number[]> {
  const ids = Array.from({ length: 1000 }, (_, i) => `rev-${i}`);
  for (let i = 0; i < ids.length; i += 100) {
    await store.put(
      ids.slice(i, i + 100).map((id) => ({ type: 'session' as const, id, data: session(id) })),
    );
  }
  const child = await spawnCacheChild(url, schema, SECRET);
  try {
    child.send(`load ${ids.join(',')}`);
    const loaded = await child.next('loaded', 60_000);
    if (loaded !== `loaded ${ids.length}`) throw new Error(`child cached: ${loaded}`);
    const seen = new Map<string, number>();
    let done: () => void = () => undefined;
    const all = new Promise<void>((r) => {
      done = r;
    });
    child.onLine((line) => {
      const [word, id, at] = line.split(' ');
      if (word !== 'evicted') return;
      seen.set(id!, Number(at));
      if (seen.size === ids.length) done();
    });
    const started = new Map<string, number>();
    for (const id of ids) {
      started.set(id, now());
      await store.delete('session', id);
    }
    await Promise.race([
      all,
      new Promise((_, rej) => setTimeout(() => rej(new Error('evictions missing')), 30_000)),
    ]);
    return sortNum(ids.map((id) => seen.get(id)! - started.get(id)!));
  } finally {
    await child.stop();
  }
}

async function bulkLoad(url: string, schema: string, n: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t = now();
  try {
    await c.query('SET synchronous_commit = off');
    await c.query(
      `INSERT INTO "${schema}".records (type, id, version, data, modified_at, expires_at)
       SELECT 'session', 'bulk-' || g, g, jsonb_build_object(
         'id', 'bulk-' || g, 'user_id', 'u' || (g % 5000), 'idp_id', 'idp',
         'issued_at', 1700000000000, 'expires_at', 0, 'accessed_at', 1700000000000,
         'oauth_token', null, 'id_token', null,
         'claims', jsonb_build_object('email', jsonb_build_array('u' || g || '@example.com')),
         'audience', jsonb_build_array('app.example.com'), 'groups', jsonb_build_array('eng')),
         1700000000000, NULL
       FROM generate_series(1, $1::int) g`,
      [n],
    );
    await c.query(`ANALYZE "${schema}".records`);
  } finally {
    await c.end();
  }
  return (now() - t) / 1000;
}

async function timeGets(store: RecordStore, ids: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of ids) {
    const t = now();
    const r = await store.get('session', id);
    out.push(now() - t);
    if (r === null) throw new Error(`missing ${id}`);
  }
  return sortNum(out);
}

async function putThroughput(
  store: RecordStore,
  workers: number,
  batch: number,
  ms: number,
): Promise<number> {
  let records = 0;
  const until = now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (now() < until) {
        const recs = Array.from({ length: batch }, () => {
          const id = `put-${w}-${n++}`;
          return { type: 'session' as const, id, data: session(id) };
        });
        await store.put(recs);
        records += batch;
      }
    }),
  );
  return records / (ms / 1000);
}

export default async function bench(): Promise<BenchResult> {
  const url = databaseUrl();
  const schema = `bench_databroker_${process.pid}`;
  const store = await openPostgresStore({
    connectionString: url,
    sharedSecret: SECRET,
    schema,
    poolSize: 8,
  });
  try {
    const rev = await revocation(store, url, schema);

    const N = 1_000_000;
    const loadS = await bulkLoad(url, schema, N);
    const sealedIds = Array.from({ length: 1000 }, (_, i) => `sealed-${i}`);
    await store.put(sealedIds.map((id) => ({ type: 'session' as const, id, data: session(id) })));
    const randomBulk = Array.from(
      { length: 4000 },
      () => `bulk-${1 + Math.floor(Math.random() * N)}`,
    );
    await timeGets(store, randomBulk.slice(0, 200)); // warm the pool
    const pgGets = await timeGets(store, randomBulk);
    const pgSealed = await timeGets(store, sealedIds);

    const cache = await openRecordCache(store);
    const hot = randomBulk.slice(0, 2000);
    for (const id of hot) await cache.getSession(id);
    const cacheTimes: number[] = [];
    for (let round = 0; round < 50; round++) {
      for (const id of hot) {
        const t = performance.now();
        await cache.getSession(id);
        cacheTimes.push(performance.now() - t);
      }
    }
    sortNum(cacheTimes);
    await cache.close();

    const put1 = await putThroughput(store, 1, 1, 2000);
    const put8 = await putThroughput(store, 8, 1, 2000);
    const put100 = await putThroughput(store, 4, 100, 2000);

    const figures = {
      revocation_p50_ms: pct(rev, 50),
      revocation_p99_ms: pct(rev, 99),
      revocation_max_ms: rev.at(-1)!,
      bulk_load_1m_s: loadS,
      pg_get_p50_ms: pct(pgGets, 50),
      pg_get_p99_ms: pct(pgGets, 99),
      pg_get_sealed_p99_ms: pct(pgSealed, 99),
      cache_get_p50_us: pct(cacheTimes, 50) * 1000,
      cache_get_p99_us: pct(cacheTimes, 99) * 1000,
      cache_vs_pg_p99_speedup: pct(pgGets, 99) / pct(cacheTimes, 99),
      put_per_s_1_writer: put1,
      put_per_s_8_writers: put8,
      put_records_per_s_batch100: put100,
    };
    const goals = {
      revocation_p99_ms: { max: 100 },
      pg_get_p99_ms: { max: 2 },
      cache_get_p99_us: { max: 5 },
    };
    const table = [
      'databroker (Postgres 15, shared 2-core machine)',
      `revocation: 1,000 deletes in this process → eviction in a child process's cache`,
      `get-by-id: ${N.toLocaleString('en')} session records (${pgGets.length} random ids), plus 1,000 with sealed tokens`,
      `cache: ${hot.length} cached sessions × 50 rounds; puts: one session per put unless batch`,
    ].join('\n');
    return { figures, goals, table };
  } finally {
    await store.close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
}

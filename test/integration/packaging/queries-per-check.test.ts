// What PostgreSQL must carry per Check (docs/kubernetes.md "How it scales"): a real authorize
// server on a real PostgreSQL store, every query the process sends counted at the pg client.
// A Check for a session authorize has seen is answered from its cache: 0 queries, whatever the
// rate; only a session's first Check (per replica) and the change feed's poll reach the database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { openPostgresStore, type RecordStore } from '../../../databroker/index.js';
import {
  type AuthzHarness,
  fixture,
  SHARED_SECRET,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';
import {
  assertPostgresReachable,
  databaseUrl,
  dropSchema,
  testSchemaName,
} from '../../helpers/postgres.js';
import { ROUTES_YAML } from '../authz/routes.js';

const schema = testSchemaName('per_check');
/** The change feed's own reads (databroker/postgres: changesSince and info). */
const FEED_READ = /FROM "[^"]+"\.record_changes\s+WHERE version > \$1|FROM "[^"]+"\.migration_info/;
let store: RecordStore;
let h: AuthzHarness;
const queries: string[] = [];
const originalQuery = pg.Client.prototype.query;

before(async () => {
  await assertPostgresReachable();
  store = await openPostgresStore({
    connectionString: databaseUrl(),
    sharedSecret: SHARED_SECRET,
    schema,
    poolSize: 4,
    // the change feed polls once an hour here, so that every query seen below is a Check's
    pollMs: 3_600_000,
  });
  h = await startAuthzHarness({ yaml: ROUTES_YAML, store });
  // biome-ignore lint/suspicious/noExplicitAny: counting every query this process sends
  (pg.Client.prototype as any).query = function (this: pg.Client, ...args: any[]) {
    const q = args[0];
    queries.push(typeof q === 'string' ? q : String(q?.text ?? q?.name ?? 'query'));
    // biome-ignore lint/suspicious/noExplicitAny: forwarding the original overloads
    return (originalQuery as any).apply(this, args);
  };
});
after(async () => {
  pg.Client.prototype.query = originalQuery;
  await h?.close();
  await store?.close();
  await dropSchema(schema);
});

const withToken = (token: string) =>
  fixture('api-get', (f) => {
    f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
  });

test('a Check for a session authorize has already seen sends no query to PostgreSQL', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  queries.length = 0;
  assert.equal((await h.check(withToken(token))).status, 200);
  const firstCheck = queries.length;
  const firstQueries = queries.map((q) => q.replace(/\s+/g, ' ').slice(0, 60));
  queries.length = 0;
  const checks = 1000;
  for (let i = 0; i < checks; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => h.check(withToken(token))));
    for (const r of batch) assert.equal(r.status, 200);
  }
  // The change feed reads when any writer on the database NOTIFYs (other tests share it): those
  // reads follow writes, not Checks, so they are counted apart and must stay a handful.
  const feed = queries.filter((q) => FEED_READ.test(q));
  assert.deepEqual(
    queries.filter((q) => !FEED_READ.test(q)),
    [],
    `queries during ${checks} cached Checks`,
  );
  assert.ok(feed.length <= 20, `change-feed reads during ${checks} Checks: ${feed.length}`);
  // The figure docs/kubernetes.md quotes: a session's first Check on a replica (the session, the
  // user and their change versions; 6–7 queries, the count proves the counter sees queries).
  assert.ok(
    firstCheck > 0 && firstCheck <= 10,
    `first Check of a session: ${firstQueries.join(' | ')}`,
  );
  process.stdout.write(
    `# queries: first Check of a session ${firstCheck} (${firstQueries.join(' | ')}), then 0 per Check over ${checks}\n`,
  );
});

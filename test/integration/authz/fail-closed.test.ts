// Fail closed, always: the databroker going away in the middle of a Check (a real, private
// PostgreSQL stopped while the session is being read), a store that errors or hangs past the
// internal deadline, and a policy that throws all give 503 — never OK, never a login loop.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compileRoutePolicies } from '../../../authz/index.js';
import { openPostgresStore, type RecordStore } from '../../../databroker/index.js';
import { fixture, SHARED_SECRET, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type PrivatePostgres, startPrivatePostgres } from '../../helpers/private-postgres.js';
import { ROUTES_YAML } from './routes.js';

let pg: PrivatePostgres;
before(async () => {
  pg = await startPrivatePostgres();
});
after(async () => {
  await pg?.destroy();
});

/** A store that runs `hook` before every session read, then reads from `inner`. */
function interceptGets(inner: RecordStore, hook: () => Promise<void>): RecordStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return async (type: 'session', id: string) => {
          if (type === 'session') await hook();
          return target.get(type, id);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const withToken = (token: string) =>
  fixture('browser-get', (f) => {
    f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
  });

test('PostgreSQL stopping in the middle of a Check gives 503, not OK and not a login redirect', async () => {
  const real = await openPostgresStore({
    connectionString: pg.url,
    sharedSecret: SHARED_SECRET,
    schema: 'authz_fault',
    poolSize: 2,
    pollMs: 200,
    connectionTimeoutMs: 1000,
  });
  let stopMidRequest = false;
  const store = interceptGets(real, async () => {
    if (stopMidRequest) await pg.stop();
  });
  const h = await startAuthzHarness({ yaml: ROUTES_YAML, store });
  try {
    const alive = await h.signIn({ email: 'alice@example.com' });
    assert.equal((await h.check(withToken(alive.token))).status, 200);
    const fresh = await h.signIn({ email: 'bob@example.com' });
    stopMidRequest = true;
    const res = await h.check(withToken(fresh.token));
    assert.equal(res.allowed, false);
    assert.equal(res.code, 14);
    assert.equal(res.status, 503);
    assert.equal(res.headers.location, undefined);
    assert.equal(res.headers['x-request-id'], '7d3c2a9e-1f0b-4c55-9d1e-5b0f6c8a9e21');
    assert.match(
      h.authz.metrics(),
      /portcullis_authz_errors_total\{reason="STORE_UNAVAILABLE"\} 1/,
    );
  } finally {
    await h.close();
    await pg.start();
    await real.close();
  }
});

test('a store that errors on every read gives 503 for an uncached session', async () => {
  const h0 = await startAuthzHarness({ yaml: ROUTES_YAML });
  const broken = interceptGets(h0.store, async () => {
    throw new Error('connection reset');
  });
  const h = await startAuthzHarness({ yaml: ROUTES_YAML, store: broken });
  try {
    const { token } = await h.signIn({ email: 'alice@example.com' });
    const res = await h.check(withToken(token));
    assert.equal(res.status, 503);
    assert.equal(res.code, 14);
  } finally {
    await h.close();
    await h0.close();
  }
});

test('a store that hangs past the internal deadline (shorter than grpc_client_timeout) gives 503', async () => {
  const h0 = await startAuthzHarness({ yaml: ROUTES_YAML });
  const hanging = interceptGets(h0.store, () => new Promise<void>(() => undefined));
  const h = await startAuthzHarness({
    yaml: `grpc_client_timeout: 300ms\n${ROUTES_YAML}`,

    store: hanging,
  });
  try {
    const { token } = await h.signIn({ email: 'alice@example.com' });
    const res = await h.check(
      fixture('api-get', (f) => {
        f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
      }),
    );
    assert.equal(res.status, 503);
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'AUTHZ_DEADLINE_EXCEEDED');
  } finally {
    await h.close();
    await h0.close();
  }
});

test("the caller's gRPC deadline also bounds the Check", async () => {
  const h0 = await startAuthzHarness({ yaml: ROUTES_YAML });
  const hanging = interceptGets(h0.store, () => new Promise<void>(() => undefined));
  const h = await startAuthzHarness({ yaml: ROUTES_YAML, store: hanging });
  try {
    const { token } = await h.signIn({ email: 'alice@example.com' });
    // 2 s (not less): the answer must beat the caller's deadline by the server's margin (10 %, at most
    // 100 ms) even on a loaded CI machine; the internal deadline (8 s by default) stays far away.
    const res = await h.check(withToken(token), 2000);
    assert.equal(res.status, 503);
  } finally {
    await h.close();
    await h0.close();
  }
});

test('a policy that throws gives 503 with AUTHZ_INTERNAL', async () => {
  const h = await startAuthzHarness({
    yaml: ROUTES_YAML,
    compile: (loaded) => {
      const real = compileRoutePolicies(loaded);
      return new Map(
        [...real].map(([id, p]) => [
          id,
          {
            routeId: p.routeId,
            evaluate() {
              throw new TypeError('boom');
            },
          },
        ]),
      );
    },
  });
  try {
    const res = await h.check(fixture('api-get'));
    assert.equal(res.status, 503);
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'AUTHZ_INTERNAL');
  } finally {
    await h.close();
  }
});

const malformed: [string, object][] = [
  ['an empty CheckRequest', {}],
  [
    'a CheckRequest without HTTP attributes',
    { attributes: { context_extensions: { route_id: 'app' } } },
  ],
  [
    'a path that is not valid percent-encoding',
    fixture('api-get', (f) => {
      f.attributes.request.http.path = '/a%zz';
    }),
  ],
];
for (const [name, req] of malformed) {
  test(`denies ${name} with 400`, async () => {
    const h = await startAuthzHarness({ yaml: ROUTES_YAML });
    try {
      const res = await h.check(req);
      assert.equal(res.allowed, false);
      assert.equal(res.status, 400);
    } finally {
      await h.close();
    }
  });
}

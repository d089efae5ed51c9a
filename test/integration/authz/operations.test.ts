// Running it: config reload swaps one state (in-flight Checks finish on theirs; a bad config is
// refused and the old one keeps serving), grpc.health.v1 on the same port, Prometheus metrics,
// and one redacted `authorize` log line per decision.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { createMemoryStore, type RecordStore } from '../../../databroker/index.js';
import {
  type AuthzHarness,
  fixture,
  loadTestConfig,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';
import { ROUTES_YAML } from './routes.js';

const lines: Record<string, unknown>[] = [];
let raw = '';
let h: AuthzHarness;
let gate: Promise<void> | null = null;
const store = createMemoryStore();

function gatedStore(inner: RecordStore): RecordStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'get') {
        return async (type: 'session', id: string) => {
          if (type === 'session' && gate) await gate;
          return target.get(type, id);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

before(async () => {
  const logger = pino(
    { level: 'info' },
    {
      write(s: string) {
        raw += s;
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  );
  h = await startAuthzHarness({
    yaml: ROUTES_YAML,
    logger,
    store: gatedStore(createMemoryStore()),
  });
});
after(async () => {
  await h?.close();
  await store.close();
});

const onRoute = (id: string, token?: string) =>
  fixture('api-get', (f) => {
    f.attributes.context_extensions = { internal: 'false', route_id: id };
    if (token) f.attributes.request.http.headers.cookie = `_pomerium=${token}; other=1`;
  });

test('logs one authorize line per decision with route, user, outcome and reasons, and no token', async () => {
  const { token, userId } = await h.signIn({ email: 'alice@example.com' });
  lines.length = 0;
  raw = '';
  await h.check(
    fixture('api-get', (f) => {
      f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
      f.attributes.request.http.headers.authorization = `Pomerium ${token}`;
      f.attributes.request.http.path = `/x?pomerium_session=${token}`;
    }),
  );
  const decisions = lines.filter((l) => l.msg === 'authorize');
  assert.equal(decisions.length, 1);
  const d = decisions[0]!;
  assert.equal(d.route_id, 'app');
  assert.equal(d.user, userId);
  assert.equal(d.email, 'alice@example.com');
  assert.equal(d.outcome, 'allow');
  assert.equal(d.status, 200);
  assert.equal(d.request_id, '0b6f5a52-8a43-4c1e-a1f6-2f9a3c7d8e10');
  assert.ok(Array.isArray(d.reasons));
  assert.equal(typeof d.latency_ms, 'number');
  assert.equal(d.path, '/x');
  assert.ok(!raw.includes(token), 'the session token never reaches the log');
});

test('a denial is logged with its reasons and explanation', async () => {
  const { token } = await h.signIn({ email: 'eve@evil.test' });
  lines.length = 0;
  await h.check(onRoute('app', token));
  const d = lines.find((l) => l.msg === 'authorize')!;
  assert.equal(d.outcome, 'deny');
  assert.equal(d.status, 403);
  assert.ok((d.reasons as string[]).length > 0);
  assert.equal(typeof d.explanation, 'string');
});

test('serves grpc.health.v1.Health SERVING on the Check port', async () => {
  const client = h.client('health') as grpc.Client & {
    check(req: object, cb: (err: grpc.ServiceError | null, res: { status: string }) => void): void;
  };
  const res = await new Promise<{ status: string }>((resolve, reject) =>
    client.check({ service: '' }, (err, r) => (err ? reject(err) : resolve(r))),
  );
  assert.equal(res.status, 'SERVING');
  const named = await new Promise<{ status: string }>((resolve, reject) =>
    client.check({ service: 'envoy.service.auth.v3.Authorization' }, (err, r) =>
      err ? reject(err) : resolve(r),
    ),
  );
  assert.equal(named.status, 'SERVING');
  const unknown = await new Promise<grpc.ServiceError | null>((resolve) =>
    client.check({ service: 'nope' }, (err) => resolve(err)),
  );
  assert.equal(unknown?.code, 5);
});

test('metrics count decisions by route, outcome and status, latency, and cache hits', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  await h.check(onRoute('app', token));
  await h.check(onRoute('app', token));
  await h.check(onRoute('missing'));
  const text = h.authz.metrics();
  assert.match(
    text,
    /portcullis_authz_checks_total\{route="app",route_name="",outcome="allow",status="200"\} \d+/,
  );
  assert.match(
    text,
    /portcullis_authz_checks_total\{route="missing",route_name="",outcome="deny",status="404"\} 1/,
  );
  assert.match(text, /portcullis_authz_check_duration_seconds_count \d+/);
  assert.match(text, /portcullis_authz_cache_hits_total\{cache="session_token"\} [1-9]/);
  assert.match(text, /# TYPE portcullis_authz_check_duration_seconds histogram/);
});

test('a reload swaps routes; a Check in flight finishes on the config it started with', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  let release!: () => void;
  gate = new Promise<void>((r) => {
    release = r;
  });
  const inflight = h.check(onRoute('app', token));
  await new Promise((r) => setTimeout(r, 50));
  h.authz.update(
    loadTestConfig(`
routes:
  - id: added
    from: https://added.example.com
    to: http://upstream.internal:8080
    allow_any_authenticated_user: true
`),
  );
  gate = null;
  release();
  const old = await inflight;
  assert.equal(old.status, 200, 'in-flight Check used the old route');
  assert.equal((await h.check(onRoute('app', token))).status, 404);
  assert.equal((await h.check(onRoute('added', token))).status, 200);
  assert.ok(lines.some((l) => l.msg === 'authz config reloaded'));
  assert.match(h.authz.metrics(), /portcullis_authz_reloads_total\{result="ok"\} 1/);
});

test('a reload with a policy that does not compile is refused and the old config keeps serving', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const bad = loadTestConfig(`
routes:
  - id: added
    from: https://added.example.com
    to: http://upstream.internal:8080
    policy:
      allow:
        and:
          - no_such_criterion: 1
`);
  assert.throws(
    () => h.authz.update(bad),
    (err: { code?: string }) => err.code === 'CONFIG_INVALID',
  );
  assert.equal((await h.check(onRoute('added', token))).status, 200);
  assert.match(h.authz.metrics(), /portcullis_authz_reloads_total\{result="failed"\} 1/);
});

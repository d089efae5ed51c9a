// The routes portal at 1,000 routes (issue 21): alice and bob each see exactly the routes their
// policies open, and the answer does no per-route I/O — the store sees at most the session and
// user reads of an uncached Check, whatever the number of routes (compiled policies only). The time is measured, not asserted.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { createMemoryStore, type RecordStore } from '../../../databroker/index.js';
import {
  type AuthzHarness,
  type CheckFixture,
  fixture,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';

const N = 1000;
const yaml = `routes:\n${Array.from(
  { length: N },
  (_, i) =>
    `  - id: r${i}\n    name: App ${i}\n    from: https://app${i}.example.com\n    to: http://upstream.internal:8080\n    allowed_users: [${i % 2 === 0 ? 'alice' : 'bob'}@example.com${i % 10 === 0 ? ', bob@example.com' : ''}]`,
).join('\n')}\n`;

let calls = 0;
/** The memory store, counting every call made to it. */
function countingStore(): RecordStore {
  const inner = createMemoryStore();
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

let h: AuthzHarness;
before(async () => {
  h = await startAuthzHarness({ yaml, store: countingStore() });
});
after(async () => {
  await h?.close();
});

const request = (path: string, host: string, token: string) =>
  fixture('browser-get', (f: CheckFixture) => {
    const http = f.attributes.request.http;
    http.headers[':authority'] = host;
    http.host = host;
    http.headers[':path'] = path;
    http.path = path;
    http.headers.accept = 'application/json';
    http.headers.cookie = `_pomerium=${token}`;
    if (path.startsWith('/.pomerium/')) {
      f.attributes.context_extensions = { internal: 'true', route_id: '' };
    }
  });

const expected = (who: 'alice' | 'bob'): string[] =>
  Array.from({ length: N }, (_, i) => i)
    .filter((i) => (who === 'alice' ? i % 2 === 0 : i % 2 === 1 || i % 10 === 0))
    .map((i) => `r${i}`);

for (const who of ['alice', 'bob'] as const) {
  test(`with ${N} routes ${who} is listed exactly the routes ${who} may open, with no per-route I/O`, async () => {
    const { token } = await h.signIn({ email: `${who}@example.com` });
    // warm: the session is read and cached by an ordinary Check
    await h.check(request('/', 'app0.example.com', token));
    calls = 0;
    await h.check(request('/', 'app0.example.com', token));
    const perCheck = calls;
    calls = 0;
    const started = performance.now();
    const res = await h.check(request('/.pomerium/api/v1/routes', 'app0.example.com', token));
    const ms = performance.now() - started;
    assert.equal(res.status, 200);
    const ids = (JSON.parse(res.body) as { routes: { id: string }[] }).routes.map((r) => r.id);
    assert.deepEqual(ids, expected(who));
    // the session (and user) reads of any Check, never one per route
    assert.ok(calls <= perCheck + 2, `the portal made ${calls} store calls, one Check ${perCheck}`);
    // for the report (not asserted): the whole Check over gRPC, 1,000 policies evaluated
    console.log(
      `# routes portal, ${N} routes, ${who}: ${ms.toFixed(1)} ms (gRPC Check round trip)`,
    );
  });
}

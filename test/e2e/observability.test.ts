// End to end, all-in-one through a real Envoy: one request id joins Envoy's access log line,
// the `authorize` line, the 403 page, the 401 JSON and the headers the upstream receives; the
// access log carries the route's id and name and the authz decision and reason (issue 18).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DemoAppReport } from '../../examples/demo-app/index.js';
import { type E2eStack, startE2eStack } from '../helpers/e2e-stack.js';
import { getStatus } from '../helpers/load-loops.js';

let stack: E2eStack;

before(async () => {
  // A named route that denies every GET (its upstream is never reached).
  stack = await startE2eStack('all', {
    extraRoutes: `
- from: http://closed.localhost:{{envoy}}
  to: http://127.0.0.1:9
  name: Closed door
  policy:
    deny:
      or:
        - http_method:
            is: GET
`,
  });
});

after(async () => {
  await stack?.close();
});

const hostOf = (name: string) => new URL(stack.url(name)).host;

function records(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const { line } of stack.logs) {
    try {
      const v: unknown = JSON.parse(line);
      if (v !== null && typeof v === 'object') out.push(v as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/** Waits until a log record with this request id and predicate appears. */
async function logged(
  requestId: string,
  pick: (r: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const hit = records().find(
      (r) => (r['request-id'] === requestId || r.request_id === requestId) && pick(r),
    );
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no log line for request ${requestId}`);
}

const isAccess = (r: Record<string, unknown>) => r.service === 'envoy' && r.msg === 'http-request';
const isAuthorize = (r: Record<string, unknown>) => r.msg === 'authorize';

test('one denied request: the access log line, the authorize line and the 403 page share the request id', async () => {
  const res = await getStatus(stack.envoyPort, hostOf('closed'), { accept: 'text/html' });
  assert.equal(res.status, 403);
  const id = String(res.headers['x-request-id'] ?? '');
  assert.match(id, /^[0-9a-f-]{36}$/, 'Envoy generated an x-request-id');
  const onPage = /<code id="request-id">([^<]+)<\/code>/.exec(res.body)?.[1];
  assert.equal(onPage, id, 'the 403 page shows the x-request-id');
  const authorize = await logged(id, isAuthorize);
  assert.equal(authorize.status, 403);
  assert.equal(authorize.route_name, 'Closed door');
  const access = await logged(id, isAccess);
  assert.equal(access['response-code'], 403);
  assert.equal(access['route-id'], authorize.route_id);
  assert.equal(access['route-name'], 'Closed door');
  assert.equal(access['authz-decision'], 'deny');
  assert.ok(String(access['authz-reason']).length > 0, 'the deny reason is carried to Envoy');
  assert.equal(access['authz-reason'], (authorize.reasons as string[]).join(','));
  assert.match(String(access['envoy-route-name']), /^policy-\d+$/);
  assert.equal(access.method, 'GET');
  assert.equal(access.authority, hostOf('closed'));
});

test('the 401 JSON names the x-request-id Envoy logs', async () => {
  const res = await getStatus(stack.envoyPort, hostOf('app'), { accept: 'application/json' });
  assert.equal(res.status, 401);
  const id = String(res.headers['x-request-id'] ?? '');
  assert.equal((JSON.parse(res.body) as { request_id: string }).request_id, id);
  await logged(id, isAuthorize);
  const access = await logged(id, isAccess);
  assert.equal(access['authz-decision'], 'login');
});

test('an allowed request: the upstream receives the request id of the access and authorize lines', async () => {
  const res = await getStatus(stack.envoyPort, hostOf('public'), {
    accept: 'application/json',
  });
  assert.equal(res.status, 200);
  const report = JSON.parse(res.body) as DemoAppReport;
  const id = report.headers['x-request-id'] ?? '';
  assert.equal(res.headers['x-request-id'], id);
  const authorize = await logged(id, isAuthorize);
  assert.equal(authorize.outcome, 'allow');
  const access = await logged(id, isAccess);
  assert.equal(access['authz-decision'], 'allow');
  assert.equal(access['route-id'], authorize.route_id);
  assert.equal(access['response-code'], 200);
  assert.equal(access['upstream-host'], `127.0.0.1:${stack.app.port}`);
  assert.match(String(access['upstream-cluster']), /^route-/);
  assert.equal(typeof access.duration, 'number');
});

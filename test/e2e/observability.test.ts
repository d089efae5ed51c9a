// End to end, all-in-one through a real Envoy: one request id joins Envoy's access log line,
// the `authorize` line, the 403 page, the 401 JSON and the headers the upstream receives; the
// access log carries the route's id and name and the authz decision and reason; /metrics has
// every metric docs/observability.md lists, Envoy's included (issue 18).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DemoAppReport } from '../../examples/demo-app/index.js';
import { repoRoot } from '../helpers/config-fixtures.js';
import { type E2eStack, scriptedSignIn, startE2eStack } from '../helpers/e2e-stack.js';
import { freePorts } from '../helpers/free-port.js';
import { getStatus } from '../helpers/load-loops.js';

let stack: E2eStack;
let metricsPort: number;
let adminPort: number;

before(async () => {
  // A named route that denies every GET (its upstream is never reached).
  [metricsPort, adminPort] = await freePorts(2);
  stack = await startE2eStack('all', {
    extraConfig: `metrics_address: 127.0.0.1:${metricsPort}\nenvoy_admin_address: 127.0.0.1:${adminPort}`,
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
  const onPage = /<code class="reqid" id="request-id" tabindex="0">([^<]+)<\/code>/.exec(
    res.body,
  )?.[1];
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
  assert.equal(access.path, '/');
  const raw = stack.logs.find((l) => l.line.includes(`"request-id":"${id}"`))?.line ?? '';
  assert.equal(raw.match(/"service":/g)?.length, 1, 'one service key on the access line');
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

test('a sign-in: authn logs the request id of the callback that Envoy logs', async () => {
  const browser = stack.browser();
  const last = await scriptedSignIn(stack, browser, `${stack.url('app')}/`);
  assert.equal(last.status, 200);
  const deadline = Date.now() + 10_000;
  let signedIn: Record<string, unknown> | undefined;
  while (Date.now() < deadline && !signedIn) {
    signedIn = records().find((r) => r.msg === 'signed in');
    if (!signedIn) await new Promise((r) => setTimeout(r, 50));
  }
  const id = String(signedIn?.request_id ?? '');
  assert.match(id, /^[0-9a-f-]{36}$/, 'authn logged an Envoy request id');
  const access = await logged(id, isAccess);
  assert.equal(access.path, '/oauth2/callback');
  assert.equal(access['response-code'], 302);
});

/** The metric names of the table in docs/observability.md. */
function documentedMetrics(): string[] {
  const text = readFileSync(join(repoRoot(), 'docs', 'observability.md'), 'utf8');
  const section = text.slice(text.indexOf('## Metrics'));
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
}

test('after traffic, /metrics has every documented metric, Envoy statistics with route labels included', async () => {
  await getStatus(stack.envoyPort, hostOf('public'));
  await getStatus(stack.envoyPort, hostOf('closed'));
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const names = documentedMetrics();
  assert.ok(names.length >= 15, 'the docs list the metrics');
  for (const name of names) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`);
  }
  assert.match(text, /^portcullis_envoy_up 1$/m);
  assert.match(text, /^portcullis_authn_sign_ins_total [1-9]\d*$/m);
  assert.match(text, /^portcullis_xds_acks_total\{type="listener"\} [1-9]\d*$/m);
  assert.match(text, /^portcullis_xds_snapshot_info\{version="[0-9a-f]+"\} 1$/m);
  assert.match(
    text,
    /^portcullis_authz_checks_total\{route="[^"]+",route_name="Closed door",outcome="deny",status="403"\} \d+$/m,
  );
  assert.match(
    text,
    /^envoy_cluster_ext_authz_denied\{route_id="[^"]+",route_name="Closed door",.*\} [1-9]\d*$/m,
  );
  // envoy_admin_address fixed the admin port.
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/ready`)).status, 200);
});

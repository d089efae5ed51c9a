// Public routes Envoy answers itself skip the Check (envoy/build/build-public-fast-route.ts,
// docs/public-routes.md), through a real Envoy (ENVOY_BIN) whose authz is down: such a route
// still answers, while every other route — and every request on that route that authz must
// judge (a session token in any form, a non-canonical path, a malformed authority) — fails
// closed. A public route that forwards keeps its Check, and with the real authz behind Envoy
// the headers a client forges never reach its upstream.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import type { Config } from '../../../config/index.js';
import { buildBootstrap } from '../../../envoy/index.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import { freePort } from '../../helpers/free-port.js';
import { httpGet, launchEnvoy, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

const ROUTES = (to: string) => `
insecure_server: true
address: 127.0.0.1:0
jwt_claims_headers: {X-Email: email}
routes:
  - id: notice
    from: http://notice.example.com
    response: {status: 200, body: "public notice"}
    allow_public_unauthenticated_access: true
  - id: moved
    from: http://moved.example.com
    redirect: {host_redirect: new.example.com}
    allow_public_unauthenticated_access: true
  - id: public-app
    from: http://public-app.example.com
    to: ${to}
    allow_public_unauthenticated_access: true
  - id: private-notice
    from: http://private.example.com
    response: {status: 200, body: "members only"}
    allowed_domains: [example.com]
  - id: templated
    from: http://templated.example.com
    response: {status: 200, body: "templated"}
    allow_public_unauthenticated_access: true
    set_request_headers: {X-Token: "\${pomerium.access_token}"}
`;

let upstream: EchoUpstream;
let authn: EchoUpstream;
let authz: AuthzHarness;
/** Envoy whose authz cluster points at a port nobody listens on. */
let down: RunningEnvoy;
/** Envoy with the real authz. */
let up: RunningEnvoy;
let token: string;

async function envoyFor(config: Config, authzPort: number): Promise<RunningEnvoy> {
  const result = buildBootstrap(config, {
    authz: [{ host: '127.0.0.1', port: authzPort }],
    authn: { host: '127.0.0.1', port: authn.port },
    adminPort: 0,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  return launchEnvoy(result.bootstrap);
}

before(async () => {
  [upstream, authn] = await Promise.all([startEchoUpstream('app'), startEchoUpstream('authn')]);
  authz = await startAuthzHarness({ yaml: ROUTES(upstream.url) });
  [down, up] = await Promise.all([
    envoyFor(authz.loaded.config, await freePort()),
    envoyFor(authz.loaded.config, authz.port),
  ]);
  ({ token } = await authz.signIn({ email: 'alice@example.com' }));
});

after(async () => {
  await Promise.all([down?.stop(), up?.stop()]);
  await Promise.all([authz?.close().catch(() => undefined), upstream?.close(), authn?.close()]);
});

const port = async (e: RunningEnvoy) => (await e.ports())['http-ingress']!;

test('a public route Envoy answers itself answers while authz is down', async () => {
  const res = await httpGet(await port(down), 'notice.example.com', '/');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'public notice');
  const moved = await httpGet(await port(down), 'moved.example.com', '/x');
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.location, 'http://new.example.com/x');
});

// Every route or request that needs a Check fails closed while authz is down.
const MUST_CHECK: readonly [string, string, string, Record<string, string>][] = [
  ['a public route that forwards to an upstream', 'public-app.example.com', '/', {}],
  ['a route with a policy', 'private.example.com', '/', {}],
  ['a public route with set_request_headers', 'templated.example.com', '/', {}],
  ['our session cookie', 'notice.example.com', '/', { cookie: 'theme=dark; _pomerium=x' }],
  ['our Authorization scheme', 'notice.example.com', '/', { authorization: 'Pomerium abc' }],
  ['our Bearer token', 'notice.example.com', '/', { authorization: 'Bearer Pomerium-abc' }],
  ['X-Pomerium-Authorization', 'notice.example.com', '/', { 'x-pomerium-authorization': 'a' }],
  ['a pomerium_session query', 'notice.example.com', '/?pomerium_session=abc', {}],
  ['an encoded dot segment', 'notice.example.com', '/a/%2e%2e;/b', {}],
  ['a path parameter', 'notice.example.com', '/a;x/b', {}],
  ['a percent escape Envoy keeps', 'notice.example.com', '/a%20b', {}],
];

for (const [what, host, path, headers] of MUST_CHECK) {
  test(`${what} fails closed while authz is down`, async () => {
    const res = await httpGet(await port(down), host, path, headers);
    assert.equal(res.status, 503, `${host}${path}: ${res.status} ${res.body}`);
  });
}

test('other cookies and Authorization schemes keep the fast path', async () => {
  const res = await httpGet(await port(down), 'notice.example.com', '/page?q=1', {
    cookie: 'theme=dark',
    authorization: 'Basic dTpw',
  });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'public notice');
});

test('an authority with a port keeps the fast path; a malformed one gets its Check', async () => {
  const ok = await httpGet(await port(down), 'notice.example.com:80', '/');
  assert.equal(ok.status, 200);
  // Envoy routes `notice.example.com:80:80` nowhere but the catch-all: a Check (503 while down)
  const bad = await rawStatus(await port(down), 'notice.example.com:99999');
  assert.notEqual(bad, 200);
});

function rawStatus(p: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: p, path: '/', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

const FORGED: readonly [string, string][] = [
  ['x-pomerium-claim-admin', 'true'],
  ['x-pomerium-claim-email', 'ceo@example.com'],
  ['x-pomerium-jwt-assertion', 'forged.jwt.value'],
  ['x-pomerium-jwt-assertion-for', 'forged.jwt.value'],
  ['x-pomerium-routing-key', 'forged'],
  ['x-pomerium-authorization', 'forged'],
  ['x-email', 'ceo@example.com'],
  ['impersonate-user', 'root'],
  ['impersonate-extra-scopes', 'all'],
  ['x-original-url', '/admin'],
];

const echoOf = (res: { headers: IncomingHttpHeaders; body: string }): Echo =>
  JSON.parse(res.body) as Echo;

test('forged identity headers never reach the upstream of a public route, signed in or not', async () => {
  for (const cookie of [undefined, `_pomerium=${token}`]) {
    const res = await httpGet(await port(up), 'public-app.example.com', '/', {
      ...Object.fromEntries(FORGED),
      ...(cookie === undefined ? {} : { cookie }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-upstream'], 'app');
    const seen = echoOf(res);
    for (const [name, value] of FORGED) {
      assert.notEqual(
        seen.headers[name],
        value,
        `${name} forged by the client reached the upstream`,
      );
    }
  }
});

test('with authz up, the fast route and the checked requests on it answer alike', async () => {
  const fast = await httpGet(await port(up), 'notice.example.com', '/');
  const checked = await httpGet(await port(up), 'notice.example.com', '/', {
    cookie: `_pomerium=${token}`,
  });
  assert.equal(fast.status, 200);
  assert.equal(checked.status, 200);
  assert.equal(fast.body, checked.body);
});

// Envoy sends authz only the request headers authz needs (envoy/lib/authz-allowed-headers.ts),
// through a real Envoy (ENVOY_BIN): what a recording Check server receives, and — with the real
// authz behind Envoy — that a header a set_request_headers template reads still reaches authz
// and that every kind of forged identity or request-describing header is still stripped.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import type { Config } from '../../../config/index.js';
import { buildBootstrap } from '../../../envoy/index.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import { type OkAuthzServer, startOkAuthzServer } from '../../helpers/ok-authz-server.js';
import { httpGet, launchEnvoy, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

const ROUTES = (to: string) => `
insecure_server: true
address: 127.0.0.1:0
jwt_claims_headers: {X-Email: email}
authorize_log_fields: [request-id, headers.X-Audit-Tag]
routes:
  - id: app
    from: http://app.example.com
    to: ${to}
    allowed_domains: [example.com]
    pass_identity_headers: true
    set_request_headers:
      X-Tenant-Seen: 'tenant=\${pomerium.request.headers["X-Tenant"]}'
  - id: quiet
    from: http://quiet.example.com
    to: ${to}
    allowed_domains: [example.com]
`;

/** What a browser sends beyond what authz reads. */
const BROWSER = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
  'accept-language': 'en-GB,en;q=0.9',
  'accept-encoding': 'gzip, deflate, br',
  referer: 'https://portal.example.com/',
  'sec-fetch-mode': 'navigate',
  'x-unrelated': 'never-read',
};

let upstream: EchoUpstream;
let authn: EchoUpstream;
let recorder: OkAuthzServer;
let recorderEnvoy: RunningEnvoy;
let authz: AuthzHarness;
let envoy: RunningEnvoy;
let token: string;

async function envoyFor(config: Config, authzPort: number) {
  const result = buildBootstrap(config, {
    authz: [{ host: '127.0.0.1', port: authzPort }],
    authn: { host: '127.0.0.1', port: authn.port },
    adminPort: 0,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const e = await launchEnvoy(result.bootstrap);
  return e;
}

before(async () => {
  [upstream, authn, recorder] = await Promise.all([
    startEchoUpstream('app'),
    startEchoUpstream('authn'),
    startOkAuthzServer(),
  ]);
  authz = await startAuthzHarness({ yaml: ROUTES(upstream.url) });
  envoy = await envoyFor(authz.loaded.config, authz.port);
  recorderEnvoy = await envoyFor(authz.loaded.config, recorder.port);
  ({ token } = await authz.signIn({ email: 'alice@example.com' }));
});

after(async () => {
  await Promise.all([envoy?.stop(), recorderEnvoy?.stop()]);
  await Promise.all([
    authz?.close().catch(() => undefined),
    recorder?.close(),
    upstream?.close(),
    authn?.close(),
  ]);
});

const port = async (e: RunningEnvoy) => (await e.ports())['http-ingress']!;
const echoOf = (res: { headers: IncomingHttpHeaders; body: string }): Echo | undefined =>
  res.headers['x-upstream'] === 'app' ? (JSON.parse(res.body) as Echo) : undefined;

test('the Check carries the headers authz reads and strips, and none of the others', async () => {
  const before = recorder.seen.length;
  const res = await httpGet(await port(recorderEnvoy), 'app.example.com', '/page', {
    ...BROWSER,
    accept: 'text/html',
    cookie: 'theme=dark',
    authorization: 'Bearer x',
    'x-requested-with': 'XMLHttpRequest',
    'x-tenant': 'acme',
    'x-audit-tag': 'a1',
    'x-email': 'forged@example.com',
    'x-pomerium-claim-admin': 'true',
    'impersonate-extra-scopes': 'all',
    'x-original-url': '/admin',
  });
  assert.equal(res.status, 200);
  const seen = recorder.seen.slice(before).find((c) => c.path === '/page');
  assert.ok(seen, 'the recording Check server saw the request');
  for (const name of [
    'accept',
    'cookie',
    'authorization',
    'x-requested-with',
    'x-tenant',
    'x-audit-tag',
    'x-email',
    'x-pomerium-claim-admin',
    'impersonate-extra-scopes',
    'x-original-url',
    'x-request-id',
  ]) {
    assert.ok(seen.headers[name] !== undefined, `${name} reaches authz`);
  }
  for (const name of Object.keys(BROWSER)) {
    assert.equal(seen.headers[name], undefined, `${name} is not sent to authz`);
  }
});

test('a header a set_request_headers template reads still reaches authz (and the upstream gets the result)', async () => {
  const res = await httpGet(await port(envoy), 'app.example.com', '/', {
    ...BROWSER,
    cookie: `_pomerium=${token}`,
    'x-tenant': 'acme',
  });
  assert.equal(res.status, 200);
  assert.equal(echoOf(res)!.headers['x-tenant-seen'], 'tenant=acme');
});

// Every kind of header a client could forge to claim an identity or rewrite the request.
const FORGED: readonly [string, string][] = [
  ['x-pomerium-claim-admin', 'true'],
  ['x-pomerium-claim-email', 'ceo@example.com'],
  ['x-pomerium-jwt-assertion-for', 'forged.jwt.value'],
  ['x-pomerium-routing-key', 'forged'],
  ['x-pomerium-authorization', 'forged'],
  ['x-email', 'ceo@example.com'],
  ['impersonate-user', 'root'],
  ['impersonate-group', 'system:masters'],
  ['impersonate-extra-scopes', 'all'],
  ['impersonate-uid', '0'],
  ['x-original-url', '/admin'],
  ['x-envoy-original-path', '/admin'],
  ['x-http-method-override', 'DELETE'],
];

for (const routeHost of ['app.example.com', 'quiet.example.com']) {
  test(`forged identity and request-describing headers are still stripped on ${routeHost}`, async () => {
    const res = await httpGet(await port(envoy), routeHost, '/', {
      ...BROWSER,
      cookie: `_pomerium=${token}`,
      ...Object.fromEntries(FORGED),
    });
    assert.equal(res.status, 200);
    const seen = echoOf(res)!;
    for (const [name, value] of FORGED) {
      assert.notEqual(
        seen.headers[name],
        value,
        `${name} forged by the client reached the upstream`,
      );
    }
    // The headers authz does not read still reach the upstream untouched.
    assert.equal(seen.headers['accept-language'], BROWSER['accept-language']);
    assert.equal(seen.headers['x-unrelated'], 'never-read');
  });
}

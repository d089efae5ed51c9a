// A real Envoy running our static bootstrap routes exactly as the config says: prefix, path and
// regex matches in config order, rewrites, host wildcards and rewrites, redirect and direct
// responses (still authorized), websocket upgrades only where allowed, identity headers
// stripped, internal paths to authn, the authenticate host without ext_authz, and fail-closed
// 503 when authz is down. authz is the OK-answering test double (test/helpers/ok-authz-server).
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { parseConfigText } from '../../../config/index.js';
import { buildBootstrap, generateSelfSignedCertificate } from '../../../envoy/index.js';
import {
  type Echo,
  type EchoUpstream,
  startEchoUpstream,
  websocketRoundTrip,
} from '../../helpers/echo-upstream.js';
import { type OkAuthzServer, startOkAuthzServer } from '../../helpers/ok-authz-server.js';
import { httpGet, launchEnvoy, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

const SECRETS = `shared_secret: qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=
cookie_secret: VyvyFbs0cgaBaHDtM135NODNJTSm1CCAnrxA3+FbQXE=`;

function routesYaml(a: string, b: string): string {
  return `
authenticate_service_url: http://authenticate.test
jwt_claims_headers: email
routes:
  - id: prefix-route
    from: http://app.test
    prefix: /api/
    to: ${a}
    prefix_rewrite: /v1/
  - id: path-route
    from: http://app.test
    path: /exact
    to: ${b}
  - id: regex-route
    from: http://app.test
    regex: "^/items/[0-9]+$"
    to: ${a}
    regex_rewrite_pattern: "^/items/([0-9]+)$"
    regex_rewrite_substitution: "/item?id=\\\\1"
  - id: ws-route
    from: http://app.test
    prefix: /ws
    to: ${a}
    allow_websockets: true
  - id: no-ws-route
    from: http://app.test
    prefix: /nows
    to: ${a}
  - id: redirect-route
    from: http://app.test
    path: /old
    redirect: {host_redirect: new.test, path_redirect: /new, response_code: 302}
  - id: response-route
    from: http://app.test
    path: /status
    response: {status: 418, body: teapot}
  - id: catch-all-app
    from: http://app.test
    to: ${b}/base/
    remove_request_headers: [X-Secret]
    set_response_headers: {X-Route: app}
  - id: wildcard-route
    from: http://*.wild.test
    to: ${b}
    preserve_host_header: true
  - id: host-rewrite
    from: http://rewrite.test
    to: ${a}
    host_rewrite: upstream.internal
`;
}

let a: EchoUpstream;
let b: EchoUpstream;
let authn: EchoUpstream;
let authz: OkAuthzServer;
let envoy: RunningEnvoy;
let port: number;

before(async () => {
  [a, b, authn, authz] = await Promise.all([
    startEchoUpstream('A'),
    startEchoUpstream('B'),
    startEchoUpstream('authn'),
    startOkAuthzServer(),
  ]);
  const text = `insecure_server: true\naddress: 127.0.0.1:0\n${SECRETS}\n${routesYaml(a.url, b.url)}`;
  const { config } = parseConfigText(text, { file: 'routing.yaml', env: {} });
  const result = buildBootstrap(config, {
    authz: [{ host: '127.0.0.1', port: authz.port }],
    authn: { host: '127.0.0.1', port: authn.port },
    adminPort: 0,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  envoy = await launchEnvoy(result.bootstrap);
  port = (await envoy.ports())['http-ingress']!;
});

after(async () => {
  await envoy?.stop();
  await Promise.all([a?.close(), b?.close(), authn?.close(), authz?.close()]);
});

async function get(host: string, path: string, headers: Record<string, string> = {}) {
  const res = await httpGet(port, host, path, headers);
  const echo =
    res.headers['content-type'] === 'application/json' ? (JSON.parse(res.body) as Echo) : undefined;
  return { ...res, echo };
}

const lastCheck = () => authz.seen.at(-1)!;

test('routes a prefix match to its upstream with the prefix rewritten and the route id sent to authz', async () => {
  const res = await get('app.test', '/api/users?x=1');
  assert.equal(res.status, 200);
  assert.equal(res.echo?.name, 'A');
  assert.equal(res.echo?.path, '/v1/users?x=1');
  assert.deepEqual(lastCheck().contextExtensions, { internal: 'false', route_id: 'prefix-route' });
  assert.equal(res.echo?.headers['x-test-authz'], 'ok');
});

test('routes an exact path match, and a longer path falls through to the next route in config order', async () => {
  const exact = await get('app.test', '/exact');
  assert.equal(exact.echo?.name, 'B');
  assert.equal(exact.echo?.path, '/exact');
  assert.equal(lastCheck().contextExtensions.route_id, 'path-route');
  const longer = await get('app.test', '/exact/more');
  assert.equal(longer.echo?.path, '/base/exact/more');
  assert.equal(lastCheck().contextExtensions.route_id, 'catch-all-app');
});

test('routes a regex match with a regex rewrite, and a non-matching path falls through', async () => {
  const hit = await get('app.test', '/items/42');
  assert.equal(hit.echo?.name, 'A');
  assert.equal(hit.echo?.path, '/item?id=42');
  assert.equal(lastCheck().contextExtensions.route_id, 'regex-route');
  const miss = await get('app.test', '/items/abc');
  assert.equal(miss.echo?.name, 'B');
  assert.equal(lastCheck().contextExtensions.route_id, 'catch-all-app');
});

test('upgrades a websocket on a route that allows it and echoes through', async () => {
  const ws = await websocketRoundTrip(port, 'app.test', '/ws', 'hello');
  assert.equal(ws.status, 101);
  assert.equal(ws.echoed, 'A:hello');
  assert.equal(lastCheck().contextExtensions.route_id, 'ws-route');
});

test('refuses a websocket upgrade on a route that does not allow it', async () => {
  const ws = await websocketRoundTrip(port, 'app.test', '/nows', 'hello');
  assert.notEqual(ws.status, 101);
});

test('answers a redirect route with its redirect, after asking authz', async () => {
  const before = authz.seen.length;
  const res = await get('app.test', '/old?q=1');
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, 'http://new.test/new?q=1');
  assert.equal(authz.seen.length, before + 1);
  assert.equal(lastCheck().contextExtensions.route_id, 'redirect-route');
});

test('answers a direct-response route with its status and body, after asking authz', async () => {
  const res = await get('app.test', '/status');
  assert.equal(res.status, 418);
  assert.equal(res.body, 'teapot');
  assert.equal(lastCheck().contextExtensions.route_id, 'response-route');
});

test('strips client identity headers and remove_request_headers, adds global and route response headers', async () => {
  const res = await get('app.test', '/page', {
    'x-pomerium-jwt-assertion': 'forged',
    'x-pomerium-jwt-assertion-for': 'forged',
    'x-pomerium-claim-email': 'forged@example.com',
    'x-secret': 's',
    'x-kept': 'k',
  });
  assert.equal(res.status, 200);
  const h = res.echo!.headers;
  assert.equal(h['x-pomerium-jwt-assertion'], undefined);
  assert.equal(h['x-pomerium-jwt-assertion-for'], undefined);
  assert.equal(h['x-pomerium-claim-email'], undefined);
  assert.equal(h['x-secret'], undefined);
  assert.equal(h['x-kept'], 'k');
  assert.equal(res.headers['x-route'], 'app');
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  assert.ok(typeof res.headers['x-request-id'] === 'string');
});

test('routes wildcard hosts (any depth, any port) and keeps the client Host when asked', async () => {
  for (const host of ['a.wild.test', 'b.c.wild.test', 'a.wild.test:8443']) {
    const res = await get(host, '/x');
    assert.equal(res.echo?.name, 'B', host);
    assert.equal(res.echo?.headers.host, host);
    assert.equal(lastCheck().contextExtensions.route_id, 'wildcard-route');
  }
  const bare = await get('wild.test', '/x');
  assert.equal(bare.status, 404);
});

test('rewrites the upstream Host to host_rewrite, and by default to the upstream host with its port', async () => {
  const rewritten = await get('rewrite.test', '/');
  assert.equal(rewritten.echo?.headers.host, 'upstream.internal');
  const auto = await get('app.test', '/api/x');
  // issue 15: `to: http://127.0.0.1:PORT` sends `Host: 127.0.0.1:PORT`, as Pomerium does
  assert.equal(String(auto.echo?.headers.host), new URL(a.url).host);
});

test('sends /.pomerium/, /.well-known/pomerium, /healthz and /ping on route hosts to authn as internal, ahead of every route', async () => {
  for (const path of [
    '/.pomerium/callback/?code=1',
    '/.pomerium',
    '/.well-known/pomerium',
    '/.well-known/pomerium/jwks.json',
    '/healthz',
    '/ping',
  ]) {
    const res = await get('app.test', path);
    assert.equal(res.echo?.name, 'authn', path);
    assert.deepEqual(lastCheck().contextExtensions, { internal: 'true', route_id: '' });
  }
  const wild = await get('x.wild.test', '/.pomerium/sign_out');
  assert.equal(wild.echo?.name, 'authn');
});

test('sends the whole authenticate host to authn without asking authz', async () => {
  const before = authz.seen.length;
  const res = await get('authenticate.test', '/oauth2/callback?code=x');
  assert.equal(res.echo?.name, 'authn');
  assert.equal(res.echo?.path, '/oauth2/callback?code=x');
  assert.equal(authz.seen.length, before);
});

test('answers 404 for a host no route serves', async () => {
  const res = await get('unknown.test', '/');
  assert.equal(res.status, 404);
});

test('rejects escaped slashes and headers with underscores before any route', async () => {
  const escaped = await get('app.test', '/api/a%2Fb');
  assert.equal(escaped.status, 400);
  const underscore = await get('app.test', '/api/x', { x_forged: '1' });
  assert.equal(underscore.status, 400);
});

test('fails closed: with authz down a protected route answers 503 and never reaches the upstream', async () => {
  await authz.close();
  const res = await get('app.test', '/api/users');
  assert.equal(res.status, 503);
  assert.equal(res.echo, undefined);
});

function httpsGet(tlsPort: number, servername: string, ca: string[]) {
  return new Promise<{ status: number; san: string; hsts: unknown }>((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: tlsPort,
        path: '/healthz',
        servername,
        ca,
        headers: { host: servername },
      },
      (res) => {
        res.resume();
        const san = (res.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '';
        resolve({
          status: res.statusCode ?? 0,
          san,
          hsts: res.headers['strict-transport-security'],
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('serves HTTPS with the development certificate when none is configured', async () => {
  const dev = generateSelfSignedCertificate(['app.test']);
  const text = `address: 127.0.0.1:0\n${SECRETS}\nroutes:\n  - from: https://app.test\n    to: ${a.url}\n`;
  const { config } = parseConfigText(text, { file: 'tls.yaml', env: {} });
  const result = buildBootstrap(config, {
    authz: [{ host: '127.0.0.1', port: 1 }],
    authn: { host: '127.0.0.1', port: authn.port },
    adminPort: 0,
    devCertificate: dev,
  });
  assert.ok(result.ok);
  const tls = await launchEnvoy(result.bootstrap);
  try {
    const res = await httpsGet((await tls.ports())['https-ingress']!, 'app.test', [dev.cert]);
    // authz is unreachable here (port 1): the verified handshake succeeds and authz fails closed.
    assert.equal(res.status, 503);
    assert.equal(res.san, 'DNS:app.test');
  } finally {
    await tls.stop();
  }
});

test('picks the configured certificate by SNI, sends HSTS with real certificates, and redirects plain HTTP to https', async () => {
  const one = generateSelfSignedCertificate(['one.test']);
  const two = generateSelfSignedCertificate(['two.test']);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const text = `address: 127.0.0.1:0\nhttp_redirect_addr: 127.0.0.1:0\n${SECRETS}\ncertificates:\n  - {cert: ${b64(one.cert)}, key: ${b64(one.key)}}\n  - {cert: ${b64(two.cert)}, key: ${b64(two.key)}}\nroutes:\n  - from: https://one.test\n    response: {status: 200, body: one}\n  - from: https://two.test\n    response: {status: 200, body: two}\n`;
  const { config } = parseConfigText(text, { file: 'sni.yaml', env: {} });
  const authz2 = await startOkAuthzServer();
  const result = buildBootstrap(config, {
    authz: [{ host: '127.0.0.1', port: authz2.port }],
    authn: { host: '127.0.0.1', port: authn.port },
    adminPort: 0,
  });
  assert.ok(result.ok);
  const tls = await launchEnvoy(result.bootstrap);
  try {
    const tlsPort = (await tls.ports())['https-ingress']!;
    const r1 = await httpsGet(tlsPort, 'one.test', [one.cert, two.cert]);
    const r2 = await httpsGet(tlsPort, 'two.test', [one.cert, two.cert]);
    assert.equal(r1.san, 'DNS:one.test');
    assert.equal(r2.san, 'DNS:two.test');
    assert.equal(r2.hsts, 'max-age=31536000; includeSubDomains; preload');
    const redirect = await httpGet((await tls.ports())['http-redirect']!, 'one.test', '/a?b=1');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, 'https://one.test/a?b=1');
  } finally {
    await tls.stop();
    await authz2.close();
  }
});

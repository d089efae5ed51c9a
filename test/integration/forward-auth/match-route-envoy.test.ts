// The forward-auth route matcher (forward-auth/match-route.ts) against a real Envoy ($ENVOY_BIN)
// on a shared corpus of hosts and paths: Envoy runs the bootstrap the envoy room generates from
// the same YAML, with every route's action replaced by a direct response naming the route (and
// ext_authz taken out), so Envoy itself says which route each request belongs to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildBootstrap } from '../../../envoy/index.js';
import { routeMatcherFor } from '../../../forward-auth/index.js';
import { loadTestConfig } from '../../helpers/authz-harness.js';
import { httpGet, launchEnvoy, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

const YAML = `
insecure_server: true
address: 127.0.0.1:0
routes:
  - id: admin
    from: http://app.example.com
    prefix: /admin
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
  - id: exact
    from: http://app.example.com
    path: /exact
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
  - id: rx
    from: http://app.example.com
    regex: "/rx/[0-9]+"
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
  - id: app
    from: http://app.example.com
    to: http://127.0.0.1:9
    allow_public_unauthenticated_access: true
  - id: api
    from: http://other.example.com
    prefix: /api/
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
  - id: wild
    from: http://*.wild.example.com
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
  - id: port
    from: http://port.example.com:8443
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
`;

/** [authority, request target] */
const CORPUS: readonly (readonly [string, string])[] = [
  ['app.example.com', '/'],
  ['app.example.com', '/admin'],
  ['app.example.com', '/admin/x'],
  ['app.example.com', '/adminx'],
  ['app.example.com', '/Admin'],
  ['app.example.com', '/ADMIN/x'],
  ['app.example.com', '/exact'],
  ['app.example.com', '/exact/'],
  ['app.example.com', '/exact?x=1'],
  ['app.example.com', '/Exact'],
  ['app.example.com', '/rx/12'],
  ['app.example.com', '/rx/12?a=b'],
  ['app.example.com', '/rx/12/'],
  ['app.example.com', '/rx/ab'],
  ['app.example.com', '/x?y=/admin'],
  ['app.example.com', '/.pomerium'],
  ['app.example.com', '/.pomerium/'],
  ['app.example.com', '/.pomerium/sign_out'],
  ['app.example.com', '/.pomeriumx'],
  ['app.example.com', '/.well-known/pomerium/jwks.json'],
  ['app.example.com', '/.well-known/pomeriumx'],
  ['app.example.com', '/ping'],
  ['app.example.com', '/ping/'],
  ['app.example.com', '/healthz'],
  ['APP.Example.COM', '/admin'],
  ['app.example.com:8080', '/admin'],
  ['app.example.com:8080', '/exact'],
  ['app.example.com.', '/'],
  ['other.example.com', '/'],
  ['other.example.com', '/api'],
  ['other.example.com', '/api/v1'],
  ['other.example.com', '/.pomerium/'],
  ['a.wild.example.com', '/'],
  ['A.Wild.Example.com:99', '/x'],
  ['x.y.wild.example.com', '/'],
  ['wild.example.com', '/'],
  ['a.wild.example.com', '/.pomerium/'],
  ['port.example.com', '/'],
  ['port.example.com:8443', '/'],
  ['port.example.com:1', '/p'],
  ['unknown.example.com', '/'],
  ['unknown.example.com:80', '/.pomerium/'],
  ['auth.example.com', '/'],
  ['auth.example.com', '/.pomerium/sign_in?x=1'],
  ['auth.example.com:443', '/oauth2/callback'],
  ['example.com', '/'],
  ['127.0.0.1', '/'],
];

type Json = Record<string, unknown>;

/** Every route answers its own name; ext_authz is taken out of the filter chain. */
function nameEveryRoute(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) nameEveryRoute(n);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Json;
  if (Array.isArray(o.http_filters)) {
    o.http_filters = (o.http_filters as Json[]).filter(
      (f) => f.name !== 'envoy.filters.http.ext_authz',
    );
  }
  if (o.match !== undefined && typeof o.name === 'string') {
    delete o.route;
    delete o.redirect;
    delete o.typed_per_filter_config;
    o.direct_response = { status: 200, body: { inline_string: `route=${o.name}` } };
    return;
  }
  for (const v of Object.values(o)) nameEveryRoute(v);
}

let envoy: RunningEnvoy;
let port: number;
const loaded = loadTestConfig(YAML);

before(async () => {
  const result = buildBootstrap(loaded.config, {
    authz: [{ host: '127.0.0.1', port: 9 }],
    authn: { host: '127.0.0.1', port: 9 },
    adminPort: 0,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const bootstrap = structuredClone(result.bootstrap) as Json;
  nameEveryRoute(bootstrap.static_resources);
  envoy = await launchEnvoy(bootstrap);
  port = (await envoy.ports())['http-ingress']!;
});

after(async () => {
  await envoy?.stop();
});

test('the forward-auth matcher picks the same route as Envoy for every host and path of the corpus', async () => {
  const matcher = routeMatcherFor(loaded.config);
  const rows: string[] = [];
  for (const [authority, target] of CORPUS) {
    const res = await httpGet(port, authority, target);
    const envoyRoute =
      res.status === 200 && res.body.startsWith('route=')
        ? res.body.slice(6)
        : `status ${res.status}`;
    const ours = matcher.match(authority, target);
    const mine = ours === null ? 'status 404' : ours.name;
    rows.push(`${authority} ${target}: envoy=${envoyRoute} matcher=${mine}`);
    assert.equal(mine, envoyRoute, `${authority} ${target}\n${rows.join('\n')}`);
  }
  // the corpus reaches every kind of answer
  const names = new Set(rows.map((r) => r.replace(/.*envoy=/, '').replace(/ matcher.*/, '')));
  for (const n of ['portcullis-internal', 'portcullis-authenticate', 'portcullis-unrouted']) {
    assert.ok(names.has(n), `${n} not reached:\n${rows.join('\n')}`);
  }
});

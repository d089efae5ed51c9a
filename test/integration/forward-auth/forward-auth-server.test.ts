// The forward-auth front door over the real authz server (test/helpers/authz-harness.ts): each
// proxy convention's answers for allow, sign-in, deny and refusals, the same decision as the
// ext_authz Check for the same request, and the paths it must never let through (Portcullis' own
// paths, the authenticate host).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createForwardAuthServer, type ForwardAuthServer } from '../../../forward-auth/index.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type HttpResult, httpGet } from '../../helpers/spawn-envoy.js';

const YAML = `
jwt_claims_headers: email
routes:
  - id: app
    from: https://app.example.com
    to: http://127.0.0.1:9
    pass_identity_headers: true
    allowed_domains: [example.com]
  - id: closed
    from: https://closed.example.com
    to: http://127.0.0.1:9
    allowed_users: [nobody@example.com]
`;

let h: AuthzHarness;
let fwd: ForwardAuthServer;
let port: number;
let cookie: string;

before(async () => {
  h = await startAuthzHarness({ yaml: YAML });
  cookie = `_pomerium=${(await h.signIn({ email: 'alice@example.com' })).token}`;
  fwd = createForwardAuthServer({ loaded: h.loaded, authz: h.authz });
  port = (await fwd.listen(0)).port;
});

after(async () => {
  await fwd?.close();
  await h?.close();
});

function nginx(endpoint: string, url: string, headers: Record<string, string> = {}) {
  return httpGet(port, '127.0.0.1', endpoint, {
    'x-original-method': 'GET',
    'x-original-url': url,
    ...headers,
  });
}

function caddy(
  host: string,
  uri: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return httpGet(port, '127.0.0.1', '/verify/caddy', {
    'x-forwarded-method': 'GET',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': host,
    'x-forwarded-uri': uri,
    ...headers,
  });
}

test('an allowed request gets 200 with the identity headers and the signed assertion, as from the Check', async () => {
  const res = await caddy('app.example.com', '/x', { cookie });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-pomerium-claim-email'], 'alice@example.com');
  const viaCheck = await h.check({
    attributes: {
      request: {
        http: { method: 'GET', host: 'app.example.com', path: '/x', headers: { cookie } },
      },
      context_extensions: { internal: 'false', route_id: 'app' },
    },
  });
  assert.equal(viaCheck.status, 200);
  assert.equal(viaCheck.headers['x-pomerium-claim-email'], res.headers['x-pomerium-claim-email']);
  assert.ok(String(res.headers['x-pomerium-jwt-assertion']).split('.').length === 3);
});

test('without a session: Caddy gets the 302 to sign in; nginx gets 401 with the Location, and the page endpoint the 302', async () => {
  const c = await caddy('app.example.com', '/x?y=1');
  assert.equal(c.status, 302);
  assert.match(String(c.headers.location), /^https:\/\/auth\.example\.com\/\.pomerium\/sign_in\?/);
  const n = await nginx('/verify/nginx', 'https://app.example.com/x?y=1');
  assert.equal(n.status, 401);
  assert.match(String(n.headers.location), /\/\.pomerium\/sign_in\?/);
  const p = await nginx('/page/nginx', 'https://app.example.com/x?y=1');
  assert.equal(p.status, 302);
});

test('a denied request: 403 for nginx auth_request, the explained page from the page endpoint and Caddy', async () => {
  const n = await nginx('/verify/nginx', 'https://closed.example.com/', { cookie });
  assert.equal(n.status, 403);
  assert.equal(n.body, '');
  for (const res of [
    await nginx('/page/nginx', 'https://closed.example.com/', { cookie, accept: 'text/html' }),
    await caddy('closed.example.com', '/', { cookie, accept: 'text/html' }),
  ]) {
    assert.equal(res.status, 403);
    assert.match(res.body, /<p class="kicker">Error 403<\/p>/);
  }
});

test('a refused subrequest is 400 with the reason (nginx auth_request: 403)', async () => {
  const c = await caddy('app.example.com', '/a/../b', { cookie, accept: 'application/json' });
  assert.equal(c.status, 400);
  assert.match(c.body, /path-dot-segment/);
  const n = await nginx('/verify/nginx', 'https://app.example.com/a/../b', { cookie });
  assert.equal(n.status, 403);
  const missing = await httpGet(port, '127.0.0.1', '/verify/traefik', { cookie });
  assert.equal(missing.status, 400);
});

test("Portcullis' own paths and the authenticate host are never let through to an app", async () => {
  for (const [host, uri] of [
    ['app.example.com', '/.pomerium/'],
    ['app.example.com', '/.pomerium/sign_out'],
    ['auth.example.com', '/'],
    ['auth.example.com', '/anything'],
  ] as const) {
    const res = await caddy(host, uri, { cookie });
    assert.equal(res.status, 403, `${host}${uri}`);
  }
});

test('an unknown host is 404 and an unknown endpoint is 404', async () => {
  assert.equal((await caddy('unknown.example.com', '/', { cookie })).status, 404);
  assert.equal((await httpGet(port, '127.0.0.1', '/verify/apache')).status, 404);
  assert.equal((await httpGet(port, '127.0.0.1', '/healthz')).status, 200);
});

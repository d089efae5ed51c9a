// The Check server behind a real Envoy (ENVOY_BIN) running the bootstrap the envoy room
// generates from the same YAML: what the upstream receives (our cookie, token forms and the
// query token gone, forged identity headers replaced), what the client gets (302 to sign in,
// 403 JSON, 495 as is), and 503 when authz is down (fail closed, the upstream never reached).
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import { envoyInFrontOf } from '../../helpers/authz-envoy.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import { httpGet, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

interface Stack {
  readonly authz: AuthzHarness;
  readonly envoy: RunningEnvoy;
  readonly port: number;
}

let upstream: EchoUpstream;
let authn: EchoUpstream;
const stacks: Stack[] = [];

function routesYaml(to: string): string {
  return `
insecure_server: true
address: 127.0.0.1:0
jwt_claims_headers: [email, department]
routes:
  - id: app
    from: http://app.example.com
    to: ${to}
    allowed_domains: [example.com]
    pass_identity_headers: true
    set_request_headers:
      X-Upstream-Token: "$pomerium.access_token"
  - id: quiet
    from: http://quiet.example.com
    to: ${to}
    allowed_domains: [example.com]
`;
}

async function stack(yaml: string): Promise<Stack> {
  const authz = await startAuthzHarness({ yaml });
  const { envoy, port } = await envoyInFrontOf(authz, authn);
  const s = { authz, envoy, port };
  stacks.push(s);
  return s;
}

let main: Stack;
let token: string;
before(async () => {
  [upstream, authn] = await Promise.all([startEchoUpstream('app'), startEchoUpstream('authn')]);
  main = await stack(routesYaml(upstream.url));
  ({ token } = await main.authz.signIn({
    email: 'alice@example.com',
    claims: { department: ['eng'] },
  }));
});
after(async () => {
  for (const s of stacks) {
    await s.envoy.stop();
    await s.authz.close().catch(() => undefined);
  }
  await Promise.all([upstream?.close(), authn?.close()]);
});

const echoOf = (res: { headers: IncomingHttpHeaders; body: string }): Echo | undefined =>
  res.headers['x-upstream'] === 'app' ? (JSON.parse(res.body) as Echo) : undefined;

test('an anonymous browser is redirected to sign in; the upstream is never reached', async () => {
  const res = await httpGet(main.port, 'app.example.com', '/page?x=1', { accept: 'text/html' });
  assert.equal(res.status, 302);
  assert.equal(echoOf(res), undefined);
  const location = new URL(String(res.headers.location));
  assert.equal(location.origin + location.pathname, 'https://auth.example.com/.pomerium/sign_in');
});

test('the upstream gets our identity and none of our secrets or forged headers', async () => {
  const res = await httpGet(main.port, 'app.example.com', `/page?a=1&pomerium_session=${token}`, {
    accept: 'application/json',
    cookie: `_pomerium=${token}; theme=dark; lang=en`,
    'x-pomerium-authorization': token,
    'x-pomerium-claim-email': 'ceo@example.com',
    'x-pomerium-claim-admin': 'true',
    'x-pomerium-jwt-assertion': 'forged.jwt.value',
  });
  assert.equal(res.status, 200);
  const seen = echoOf(res)!;
  assert.equal(seen.path, '/page?a=1');
  assert.equal(seen.headers.cookie, 'theme=dark; lang=en');
  assert.equal(seen.headers['x-pomerium-authorization'], undefined);
  assert.equal(seen.headers['x-pomerium-claim-email'], 'alice@example.com');
  assert.equal(seen.headers['x-pomerium-claim-admin'], undefined);
  assert.equal(seen.headers['x-pomerium-claim-department'], 'eng');
  const jwt = String(seen.headers['x-pomerium-jwt-assertion']);
  assert.notEqual(jwt, 'forged.jwt.value');
  assert.equal(jwt.split('.').length, 3);
  assert.match(String(seen.headers['x-upstream-token']), /^access-/);
});

test('a route without pass_identity_headers gets no assertion, forged or ours, and no token', async () => {
  const res = await httpGet(main.port, 'quiet.example.com', '/', {
    authorization: `Pomerium ${token}`,
    'x-pomerium-jwt-assertion': 'forged.jwt.value',
    'x-pomerium-claim-email': 'ceo@example.com',
  });
  assert.equal(res.status, 200);
  const seen = echoOf(res)!;
  assert.equal(seen.headers['x-pomerium-jwt-assertion'], undefined);
  assert.equal(seen.headers['x-pomerium-claim-email'], undefined);
  assert.equal(seen.headers.authorization, undefined);
});

test('a denied user gets the 403 JSON from authz with the request id', async () => {
  const { token: eve } = await main.authz.signIn({ email: 'eve@evil.test' });
  const res = await httpGet(main.port, 'app.example.com', '/', {
    cookie: `_pomerium=${eve}`,
    accept: 'application/json',
  });
  assert.equal(res.status, 403);
  const body = JSON.parse(res.body) as { request_id: string; reasons: string[] };
  assert.ok(body.request_id);
  assert.ok(body.reasons.length > 0);
});

test('495 reaches the client as is when a route needs a client certificate', async () => {
  const s = await stack(
    `${routesYaml(upstream.url)}    tls_downstream_client_ca_file: client-ca.pem\n`,
  );
  const res = await httpGet(s.port, 'quiet.example.com', '/', { accept: 'text/html' });
  assert.equal(res.status, 495);
  assert.equal(res.headers.location, undefined);
  assert.equal(echoOf(res), undefined);
});

test('with authz down Envoy answers 503 and never forwards (fail closed)', async () => {
  const s = await stack(routesYaml(upstream.url));
  const { token: t } = await s.authz.signIn({ email: 'alice@example.com' });
  assert.equal(
    (await httpGet(s.port, 'app.example.com', '/', { cookie: `_pomerium=${t}` })).status,
    200,
  );
  await s.authz.authz.close();
  const res = await httpGet(s.port, 'app.example.com', '/', { cookie: `_pomerium=${t}` });
  assert.equal(res.status, 503);
  assert.equal(echoOf(res), undefined);
});

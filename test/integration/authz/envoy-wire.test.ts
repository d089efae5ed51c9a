// The Check server behind a real Envoy (ENVOY_BIN): what the upstream receives (our cookie and
// token forms gone, forged identity headers replaced), what the client gets (302 to sign in,
// 403, 495 passed through as is), and 503 when authz is down (fail closed, never the upstream).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type EnvoyForAuthz, startEnvoyForAuthz } from '../../helpers/envoy-for-authz.js';
import { MTLS_YAML, ROUTES_YAML } from './routes.js';

let h: AuthzHarness;
let envoy: EnvoyForAuthz;
let token: string;
before(async () => {
  h = await startAuthzHarness({ yaml: ROUTES_YAML });
  envoy = await startEnvoyForAuthz(h.port, {
    'app.example.com': 'app',
    'quiet.example.com': 'quiet',
  });
  ({ token } = await h.signIn({ email: 'alice@example.com', claims: { department: ['eng'] } }));
});
after(async () => {
  await envoy?.close();
  await h?.close();
});

test('an anonymous browser is redirected to sign in; the upstream is never reached', async () => {
  const res = await envoy.send('/page?x=1', { host: 'app.example.com', accept: 'text/html' });
  assert.equal(res.status, 302);
  assert.equal(res.echo, undefined);
  const location = new URL(String(res.headers.location));
  assert.equal(location.origin + location.pathname, 'https://auth.example.com/.pomerium/sign_in');
});

test('the upstream gets our identity and none of our secrets or forged headers', async () => {
  const res = await envoy.send(`/page?a=1&pomerium_session=${token}`, {
    host: 'app.example.com',
    accept: 'application/json',
    cookie: [`_pomerium=${token}; theme=dark`, 'lang=en'],
    'x-pomerium-authorization': token,
    'x-pomerium-claim-email': 'ceo@example.com',
    'x-pomerium-claim-admin': 'true',
    'x-pomerium-jwt-assertion': 'forged.jwt.value',
  });
  assert.equal(res.status, 200);
  const seen = res.echo!;
  assert.equal(seen.url, '/page?a=1');
  assert.equal(seen.headers.cookie, 'theme=dark; lang=en');
  assert.equal(seen.headers['x-pomerium-authorization'], undefined);
  assert.equal(seen.headers['x-pomerium-claim-email'], 'alice@example.com');
  assert.equal(seen.headers['x-pomerium-claim-admin'], undefined);
  assert.equal(seen.headers['x-pomerium-claim-department'], 'eng');
  const jwt = String(seen.headers['x-pomerium-jwt-assertion']);
  assert.notEqual(jwt, 'forged.jwt.value');
  assert.equal(jwt.split('.').length, 3);
  assert.equal(seen.headers['x-upstream-token']?.toString().startsWith('access-'), true);
});

test('a route without pass_identity_headers gets no assertion, forged or ours', async () => {
  const res = await envoy.send('/', {
    host: 'quiet.example.com',
    authorization: `Pomerium ${token}`,
    'x-pomerium-jwt-assertion': 'forged.jwt.value',
  });
  assert.equal(res.status, 200);
  assert.equal(res.echo!.headers['x-pomerium-jwt-assertion'], undefined);
  assert.equal(res.echo!.headers.authorization, undefined);
});

test('a denied user gets the 403 page from authz with the request id', async () => {
  const { token: eve } = await h.signIn({ email: 'eve@evil.test' });
  const res = await envoy.send('/', {
    host: 'app.example.com',
    cookie: `_pomerium=${eve}`,
    accept: 'application/json',
  });
  assert.equal(res.status, 403);
  const body = JSON.parse(res.body) as { request_id: string; reasons: string[] };
  assert.ok(body.request_id);
  assert.ok(body.reasons.length > 0);
});

test('495 reaches the client as is when a route needs a client certificate', async () => {
  const m = await startAuthzHarness({ yaml: MTLS_YAML });
  const e = await startEnvoyForAuthz(m.port, { 'mtls.example.com': 'mtls' });
  try {
    const res = await e.send('/', { host: 'mtls.example.com', accept: 'text/html' });
    assert.equal(res.status, 495);
    assert.equal(res.headers.location, undefined);
  } finally {
    await e.close();
    await m.close();
  }
});

test('with authz down Envoy answers 503 and never forwards (fail closed)', async () => {
  const m = await startAuthzHarness({ yaml: ROUTES_YAML });
  const e = await startEnvoyForAuthz(m.port, { 'app.example.com': 'app' });
  try {
    const { token: t } = await m.signIn({ email: 'alice@example.com' });
    assert.equal(
      (await e.send('/', { host: 'app.example.com', cookie: `_pomerium=${t}` })).status,
      200,
    );
    await m.authz.close();
    const res = await e.send('/', { host: 'app.example.com', cookie: `_pomerium=${t}` });
    assert.equal(res.status, 503);
    assert.equal(res.echo, undefined);
  } finally {
    await e.close();
    await m.close().catch(() => undefined);
  }
});

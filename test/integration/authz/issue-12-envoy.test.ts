// Issue 12's wire findings through a real Envoy (ENVOY_BIN) and the Check server: two different
// session cookies are a 400 (never the one that verifies), identical copies are one; removing
// our cookie leaves every other cookie exactly as sent; a handle from the future is no session.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, test } from 'node:test';
import { verifySessionHandle } from '../../../wire/index.js';
import { envoyInFrontOf } from '../../helpers/authz-envoy.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import { httpGet, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

let upstream: EchoUpstream;
let authn: EchoUpstream;
let authz: AuthzHarness;
let envoy: RunningEnvoy;
let port: number;
let alice: string;
let mallory: string;

before(async () => {
  [upstream, authn] = await Promise.all([startEchoUpstream('app'), startEchoUpstream('authn')]);
  authz = await startAuthzHarness({
    yaml: `
insecure_server: true
address: 127.0.0.1:0
routes:
  - id: app
    from: http://app.example.com
    to: ${upstream.url}
    policy:
      - allow: {or: [{domain: {is: Example.COM}}]}
      - deny: {or: [{email: {is: MALLORY@example.com}}]}
`,
  });
  ({ envoy, port } = await envoyInFrontOf(authz, authn));
  ({ token: alice } = await authz.signIn({ email: 'alice@example.com' }));
  ({ token: mallory } = await authz.signIn({ email: 'mallory@example.com' }));
});
after(async () => {
  await envoy?.stop();
  await authz?.close().catch(() => undefined);
  await Promise.all([upstream?.close(), authn?.close()]);
});

const echoOf = (res: { headers: IncomingHttpHeaders; body: string }): Echo | undefined =>
  res.headers['x-upstream'] === 'app' ? (JSON.parse(res.body) as Echo) : undefined;

const get = (cookie: string | string[], accept = 'application/json') =>
  httpGet(port, 'app.example.com', '/page', {
    accept,
    cookie: cookie as string,
  });

const DUPLICATES: [string, () => string | string[], number][] = [
  ['a planted copy before ours', () => `_pomerium=${mallory}; _pomerium=${alice}`, 400],
  ['a planted copy after ours', () => `_pomerium=${alice}; _pomerium=${mallory}`, 400],
  ['garbage and ours', () => `_pomerium=x.y.z; _pomerium=${alice}`, 400],
  ['two Cookie headers', () => [`_pomerium=${mallory}`, `_pomerium=${alice}`], 400],
  ['the same cookie twice', () => `_pomerium=${alice}; _pomerium=${alice}`, 200],
];
for (const [name, cookie, status] of DUPLICATES) {
  test(`through Envoy, two session cookies: ${name} → ${status}`, async () => {
    const res = await get(cookie());
    assert.equal(res.status, status, res.body.slice(0, 200));
    if (status === 400) {
      assert.equal(echoOf(res), undefined, 'the upstream never sees the request');
      assert.equal(JSON.parse(res.body).code, 'DUPLICATE_SESSION_COOKIE');
    } else {
      assert.ok(echoOf(res));
    }
  });
}

const BYTE_EXACT: [string, string, string][] = [
  ['odd spacing', 'a=1; _pomerium=T; stillhere ;b=2', 'a=1; stillhere ;b=2'],
  ['no spaces', 'x="q v";_pomerium=T;y=%20;z', 'x="q v";y=%20;z'],
  ['ours last', 'theme=dark;  lang=en ;_pomerium=T', 'theme=dark;  lang=en'],
  ['a value-less piece', 'flag; _pomerium=T; k=v=w', 'flag; k=v=w'],
];
for (const [name, cookie, want] of BYTE_EXACT) {
  test(`through Envoy, the other cookies reach the upstream exactly as sent: ${name}`, async () => {
    const res = await get(cookie.replace('=T', `=${alice}`));
    assert.equal(res.status, 200, res.body.slice(0, 200));
    assert.equal(echoOf(res)?.headers.cookie, want);
  });
}

test('through Envoy, email literals compare canonically: a deny on MALLORY@example.com stops mallory', async () => {
  assert.equal((await get(`_pomerium=${alice}`)).status, 200);
  const res = await get(`_pomerium=${mallory}`);
  assert.equal(res.status, 403);
  assert.equal(echoOf(res), undefined);
});

test('through Envoy, our own handle with iat an hour ahead is no session (401)', async () => {
  const real = verifySessionHandle(alice, authz.keys.sessionKey);
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const payload = Buffer.from(JSON.stringify({ ...real, iat: real.iat + 3600 })).toString(
    'base64url',
  );
  const sig = createHmac('sha256', authz.keys.sessionKey)
    .update(`${header}.${payload}`)
    .digest('base64url');
  const res = await get(`_pomerium=${header}.${payload}.${sig}`);
  assert.equal(res.status, 401);
  assert.equal(echoOf(res), undefined);
});

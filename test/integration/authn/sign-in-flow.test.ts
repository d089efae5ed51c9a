import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifySessionHandle } from '../../../wire/index.js';
import { APP, AUTH, type Harness, signIn, startHarness } from '../../helpers/authn-harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test('a browser signs in through the IdP form and lands on the original URL with a session cookie', async () => {
  const b = h.browser();
  const hops = await signIn(h, b, h.signInUrl());
  const last = hops.at(-1);
  assert.equal(last?.status, 302);
  assert.equal(last?.location, `${APP}/page?x=1`);

  const jwt = b.jar.get(APP, '_pomerium');
  assert.ok(jwt, 'session cookie on the route host');
  const claims = verifySessionHandle(jwt, h.keys.sessionKey);
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.idp_id, h.authn.defaultIdpId);
  const session = await h.store.get('session', claims.jti);
  assert.ok(session?.data);
  assert.equal(session.data.user_id, 'alice');
  assert.deepEqual(session.data.groups, ['engineering', 'admins']);
  assert.equal(claims.exp, Math.floor(session.data.expires_at / 1000));
  const user = await h.store.get('user', 'alice');
  assert.equal(user?.data?.email, 'alice@example.com');

  const setCookie = hops.flatMap((r) => r.setCookies).find((c) => c.startsWith('_pomerium='));
  assert.match(setCookie ?? '', /Path=\/; Max-Age=\d+; Secure; HttpOnly; SameSite=Lax/);
  assert.ok(b.jar.get(AUTH, '__Host-_pomerium_authenticate'), 'authenticate cookie set');

  const me = await b.get(`${APP}/.pomerium/user`, { accept: 'application/json' });
  assert.equal(me.status, 200);
  const body = JSON.parse(me.body);
  assert.equal(body.email, 'alice@example.com');
  assert.deepEqual(body.groups, ['engineering', 'admins']);
  assert.equal(body.sid, claims.jti);
  assert.equal(body.department, 'engineering');

  const page = await b.get(`${APP}/.pomerium/`);
  assert.equal(page.status, 200);
  assert.match(page.body, /alice@example\.com/);
  assert.doesNotMatch(page.body, new RegExp(session.data.oauth_token?.access_token ?? 'x'));
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.match(page.headers['content-security-policy'] ?? '', /default-src 'none'/);
  assert.equal(page.headers['referrer-policy'], 'no-referrer');

  // sign out on the route host
  const out = await b.request('POST', `${APP}/.pomerium/sign_out`);
  assert.equal(out.status, 302);
  assert.ok(out.location?.startsWith(`${AUTH}/.pomerium/sign_out?`));
  assert.match(out.setCookies.join('\n'), /_pomerium=; Path=\/; Max-Age=0/);
  const atAuth = await b.get(out.location ?? '');
  assert.equal(atAuth.status, 302);
  const end = new URL(atAuth.location ?? '');
  assert.equal(end.origin, h.idp.issuer, 'RP-initiated logout at the IdP');
  assert.ok(end.searchParams.get('id_token_hint'));
  assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${APP}/goodbye`);
  assert.equal(await h.store.get('session', claims.jti), null, 'session deleted in the databroker');
  assert.equal(b.jar.get(AUTH, '__Host-_pomerium_authenticate'), undefined);

  // the old cookie no longer works, the next sign-in needs the IdP again
  const again = await b.get(`${APP}/.pomerium/user`, { accept: 'application/json' });
  assert.equal(again.status, 401);
  const stale = await b.request('GET', `${APP}/.pomerium/user`, {
    headers: { cookie: `_pomerium=${jwt}` },
  });
  assert.equal(stale.status, 401);
  const next = await b.get(h.signInUrl());
  assert.equal(new URL(next.location ?? '').origin, h.idp.issuer);
});

test('a second sign-in with a live authenticate session skips the IdP and reuses the session', async () => {
  const b = h.browser();
  await signIn(h, b, h.signInUrl());
  const first = verifySessionHandle(b.jar.get(APP, '_pomerium') ?? '', h.keys.sessionKey);
  const hops = await b.follow(h.signInUrl('https://d.example.com/x'), {
    stop: (u) => u.hostname === 'd.example.com' && u.pathname === '/x',
  });
  assert.ok(
    hops.every((r) => !r.url.startsWith(h.idp.issuer)),
    'no IdP round trip',
  );
  const second = verifySessionHandle(
    b.jar.get('https://d.example.com/', '_pomerium') ?? '',
    h.keys.sessionKey,
  );
  assert.equal(second.jti, first.jti, 'one session shared by every route');
});

test('depends_on hosts get their cookie in the same sign-in', async () => {
  const b = h.browser();
  await signIn(
    h,
    b,
    h.signInUrl(`${APP}/`, { additionalHosts: ['b.example.com', 'c.example.com'] }),
  );
  for (const host of ['app', 'b', 'c']) {
    assert.ok(b.jar.get(`https://${host}.example.com/`, '_pomerium'), `${host} has a cookie`);
  }
  assert.equal(b.jar.get('https://d.example.com/', '_pomerium'), undefined);
});

test('the authenticate host sign-out without a signature asks for confirmation', async () => {
  const b = h.browser();
  const r = await b.get(`${AUTH}/.pomerium/sign_out?pomerium_redirect_uri=https://evil.example/`);
  assert.equal(r.status, 200);
  assert.match(r.body, /<form method="post"/);
  assert.doesNotMatch(r.body, /evil\.example/);
});

test('well-known, JWKS, health and robots answer on our hosts', async () => {
  const b = h.browser();
  const wk = await b.get(`${APP}/.well-known/pomerium`);
  assert.equal(wk.status, 200);
  assert.deepEqual(JSON.parse(wk.body), {
    issuer: `${APP}/`,
    authentication_callback_endpoint: `${AUTH}/oauth2/callback`,
    jwks_uri: `${APP}/.well-known/pomerium/jwks.json`,
    frontchannel_logout_uri: `${APP}/.pomerium/sign_out`,
  });
  assert.equal(wk.headers['access-control-allow-origin'], '*');
  const jwks = await b.get(`${AUTH}/.well-known/pomerium/jwks.json`);
  assert.equal(jwks.status, 200);
  assert.equal(jwks.headers['cache-control'], 'public, max-age=60');
  const [key] = JSON.parse(jwks.body).keys;
  assert.equal(key.alg, 'ES256');
  assert.equal(key.use, 'sig');
  assert.match(key.kid, /^[0-9a-f]{64}$/);
  assert.equal(key.d, undefined);
  const cached = await b.get(`${AUTH}/.well-known/pomerium/jwks.json`, {
    'if-none-match': jwks.headers.etag ?? '',
  });
  assert.equal(cached.status, 304);
  for (const url of [`${AUTH}/healthz`, `${APP}/ping`, 'https://unknown.example/healthz']) {
    assert.equal((await b.get(url)).status, 200, url);
  }
  const robots = await b.get(`${AUTH}/robots.txt`);
  assert.equal(robots.body, 'User-agent: *\nDisallow: /');
  assert.equal((await b.get('https://unknown.example/.pomerium/')).status, 404);
});

// Issue 12 end to end (all-in-one `portcullis start`, supervised Envoy, dev IdP, demo app): the
// wire findings as a browser meets them through Envoy — two session cookies are a 400 from
// authz and from authn alike (one wire rule), /.pomerium/sign_in works on a route host, and
// plain-HTTP development keeps bare cookie names.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALICE, BOB, type E2eStack, scriptedSignIn, startE2eStack } from '../helpers/e2e-stack.js';

let stack: E2eStack;
let aliceCookie: string;
let bobCookie: string;

before(async () => {
  stack = await startE2eStack('all');
  const a = stack.browser();
  await scriptedSignIn(stack, a, `${stack.url('other')}/`, ALICE);
  const b = stack.browser();
  await scriptedSignIn(stack, b, `${stack.url('other')}/`, BOB);
  aliceCookie = a.jar.get(stack.url('other'), '_pomerium') ?? '';
  bobCookie = b.jar.get(stack.url('other'), '_pomerium') ?? '';
  assert.ok(aliceCookie && bobCookie && aliceCookie !== bobCookie);
});
after(async () => {
  await stack?.close();
});

test('a signed-in user reaches the route; a second, planted session cookie makes it a 400 (authz)', async () => {
  const b = stack.browser();
  const ok = await b.get(`${stack.url('other')}/`, {
    cookie: `_pomerium=${aliceCookie}`,
    accept: 'application/json',
  });
  assert.equal(ok.status, 200);
  for (const cookie of [
    `_pomerium=${bobCookie}; _pomerium=${aliceCookie}`,
    `_pomerium=${aliceCookie}; _pomerium=${bobCookie}`,
  ]) {
    const r = await stack.browser().get(`${stack.url('other')}/`, {
      cookie,
      accept: 'application/json',
    });
    assert.equal(r.status, 400, r.body.slice(0, 200));
    assert.equal(JSON.parse(r.body).code, 'DUPLICATE_SESSION_COOKIE');
  }
});

test('the same two cookies on /.pomerium/user (authn behind Envoy) are a 400 too: one rule', async () => {
  const r = await stack.browser().get(`${stack.url('other')}/.pomerium/user`, {
    cookie: `_pomerium=${bobCookie}; _pomerium=${aliceCookie}`,
    accept: 'application/json',
  });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).error, 'DUPLICATE_SESSION_COOKIE');
  const one = await stack.browser().get(`${stack.url('other')}/.pomerium/user`, {
    cookie: `_pomerium=${aliceCookie}`,
    accept: 'application/json',
  });
  assert.equal(one.status, 200);
  assert.equal(JSON.parse(one.body).email, ALICE.email);
});

test('/.pomerium/sign_in on a route host, through Envoy, leads to the IdP and back to the route', async () => {
  const b = stack.browser();
  const first = await b.get(`${stack.url('other')}/.pomerium/sign_in`);
  assert.equal(first.status, 302);
  const next = new URL(first.location ?? '');
  assert.equal(next.host, new URL(stack.url('authenticate')).host);
  assert.equal(next.pathname, '/.pomerium/sign_in');
  const last = await scriptedSignIn(stack, b, `${stack.url('other')}/.pomerium/sign_in`);
  assert.equal(new URL(last.url).pathname, '/');
  assert.equal(last.status, 200);
});

test('plain-HTTP development keeps the bare authenticate cookie names (no __Host- without Secure)', async () => {
  const b = stack.browser();
  await scriptedSignIn(stack, b, `${stack.url('other')}/`);
  assert.ok(b.jar.get(stack.url('authenticate'), '_pomerium_authenticate'));
  assert.equal(b.jar.get(stack.url('authenticate'), '__Host-_pomerium_authenticate'), undefined);
});

test('with Secure cookies, through Envoy: __Host- authenticate cookies, a planted bare one ignored, duplicates refused, login flows bounded', async () => {
  const secure = await startE2eStack('all', { cookieSecure: true });
  try {
    // bob signs in; his authenticate handle is what a sibling would plant (bare name, Domain)
    const bob = secure.browser();
    await scriptedSignIn(secure, bob, `${secure.url('other')}/`, BOB);
    const auth = secure.url('authenticate');
    const bobHandle = bob.jar.get(auth, '__Host-_pomerium_authenticate') ?? '';
    assert.ok(bobHandle, 'the authenticate cookie is __Host- prefixed');
    assert.equal(bob.jar.get(auth, '_pomerium_authenticate'), undefined);

    const alice = secure.browser();
    alice.jar.store(new URL(auth), `_pomerium_authenticate=${bobHandle}; Path=/`);
    const hops = await alice.follow(`${secure.url('other')}/`);
    assert.equal(
      new URL(hops.at(-1)?.url ?? '').origin,
      secure.idp.issuer,
      'alice is sent to the IdP, not signed in as bob',
    );
    for (const c of hops.filter((r) => new URL(r.url).host === new URL(auth).host)) {
      for (const set of c.setCookies) assert.match(set, /^__Host-.*; Path=\/;.*; Secure/);
    }

    // two different __Host- authenticate cookies: 400 through Envoy, never a merge
    const carol = secure.browser();
    await scriptedSignIn(secure, carol, `${secure.url('other')}/`, ALICE);
    const aliceHandle = carol.jar.get(auth, '__Host-_pomerium_authenticate') ?? '';
    const signIn = hops[1]?.url ?? '';
    assert.match(signIn, /\/\.pomerium\/sign_in\?/);
    const r = await secure.browser().get(signIn, {
      cookie: `__Host-_pomerium_authenticate=${aliceHandle}; __Host-_pomerium_authenticate=${bobHandle}`,
    });
    assert.equal(r.status, 400);
    assert.match(r.body, /DUPLICATE_SESSION_COOKIE/);

    // 40 abandoned sign-in attempts: at most 3 login-flow cookies, each ≤ 15 minutes; no 431
    const dave = secure.browser();
    for (let i = 0; i < 40; i++) {
      const toAuth = await dave.get(`${secure.url('other')}/try-${i}`);
      const atAuth = await dave.get(toAuth.location ?? '');
      assert.equal(new URL(atAuth.location ?? '').origin, secure.idp.issuer);
      for (const c of atAuth.setCookies.filter((x) => /^__Host-_pomerium_(csrf|pkce_)/.test(x))) {
        assert.ok(Number(/Max-Age=(\d+)/.exec(c)?.[1]) <= 900, c);
      }
    }
    const flows = dave.jar.cookies.filter((c) => c.name.startsWith('__Host-_pomerium_pkce_'));
    assert.equal(flows.length, 3);
    const still = await dave.get(`${auth}/.pomerium/`);
    assert.equal(still.status, 200);
  } finally {
    await secure.close();
  }
});

// Issue 12 (identity integrity), the cookie side, against the real dev IdP and authn server:
// __Host- names and lifetimes, bounded login flows, planted and duplicate cookies (400, never a
// merge), session ids, /.pomerium/sign_in on route hosts, the programmatic pomerium_jwt, and our
// own session handles with hostile time claims (the MAC comes first). Through Envoy: see
// test/integration/authz/issue-12-envoy.test.ts and test/e2e/issue-12.test.ts.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { signSessionHandle, verifySessionHandle } from '../../../wire/index.js';
import { APP, AUTH, type Harness, signIn, startHarness } from '../../helpers/authn-harness.js';
import type { BrowserResponse } from '../../helpers/browser.js';

let dev: Harness;
before(async () => {
  dev = await startHarness();
});
after(async () => {
  await dev.close();
});

const stopAtApp = (u: URL) =>
  u.hostname === 'app.example.com' && !u.pathname.startsWith('/.pomerium/');

async function sessionCount(h: Harness): Promise<number> {
  return (await h.store.list('session')).records.length;
}

function assertRefused(r: BrowserResponse, status: number, code: string): void {
  assert.equal(r.status, status, `${r.url} → ${r.status} ${r.body.slice(0, 300)}`);
  assert.equal(r.location, null, 'no redirect');
  assert.match(r.body, new RegExp(code));
}

// ── Cookies: __Host- names, lifetimes, bounded flows, duplicates, planted cookies ─────────────

function setCookie(hops: readonly BrowserResponse[], prefix: string): string[] {
  return hops.flatMap((r) => r.setCookies).filter((c) => c.startsWith(prefix));
}

test('every authenticate-host cookie is __Host- (Secure, Path=/, no Domain); CSRF and PKCE live ≤ 15 minutes', async () => {
  const b = dev.browser();
  const hops = await signIn(dev, b, dev.signInUrl());
  const auth = hops.filter((r) => new URL(r.url).hostname === 'auth.example.com');
  const names = auth.flatMap((r) => r.setCookies).map((c) => c.slice(0, c.indexOf('=')));
  assert.ok(names.length >= 3);
  for (const c of auth.flatMap((r) => r.setCookies)) {
    assert.match(c, /^__Host-/, c);
    assert.match(c, /; Path=\/;/);
    assert.match(c, /; Secure/);
    assert.doesNotMatch(c, /Domain=/i);
  }
  for (const c of [
    ...setCookie(hops, '__Host-_pomerium_csrf='),
    ...setCookie(hops, '__Host-_pomerium_pkce_'),
  ]) {
    const maxAge = Number(/Max-Age=(\d+)/.exec(c)?.[1]);
    assert.ok(maxAge <= 900, c);
  }
  assert.ok(b.jar.get(AUTH, '__Host-_pomerium_authenticate'));
  assert.equal(b.jar.get(AUTH, '_pomerium_authenticate'), undefined);
});

test('plain-HTTP development keeps the bare cookie names', async () => {
  const h = await startHarness({ extraYaml: 'cookie_secure: false' });
  try {
    const b = h.browser();
    const r = await b.get(h.signInUrl());
    assert.ok(r.setCookies.some((c) => c.startsWith('_pomerium_csrf=')));
    assert.ok(r.setCookies.every((c) => !c.startsWith('__Host-')));
  } finally {
    await h.close();
  }
});

test('many sign-in attempts keep at most 3 login-flow cookies (the oldest is evicted)', async () => {
  const b = dev.browser();
  for (let i = 0; i < 8; i++) await b.get(dev.signInUrl());
  const flows = b.jar.cookies.filter((c) => c.name.startsWith('__Host-_pomerium_pkce_'));
  assert.equal(flows.length, 3);
  assert.ok(b.jar.header(new URL(`${AUTH}/`)).length < 2000);
});

test('a _pomerium_authenticate cookie planted from a sibling domain does not sign alice in as bob', async () => {
  const bob = dev.browser();
  await signIn(dev, bob, dev.signInUrl(), { user: 'bob', password: 'bob-pw' });
  const bobHandle = bob.jar.get(AUTH, '__Host-_pomerium_authenticate') ?? '';
  assert.ok(bobHandle);
  const alice = dev.browser();
  // evil.example.com sets it for the parent domain: a bare name (a browser refuses __Host- with Domain)
  alice.jar.store(
    new URL('https://evil.example.com/'),
    `_pomerium_authenticate=${bobHandle}; Domain=example.com; Path=/`,
  );
  const r = await alice.get(dev.signInUrl());
  assert.equal(new URL(r.location ?? '').origin, dev.idp.issuer, 'alice must log in at the IdP');
});

test('two different authenticate cookies are refused with 400, never merged', async () => {
  const a = dev.browser();
  await signIn(dev, a, dev.signInUrl());
  const b = dev.browser();
  await signIn(dev, b, dev.signInUrl(), { user: 'bob', password: 'bob-pw' });
  const cookie = `__Host-_pomerium_authenticate=${a.jar.get(AUTH, '__Host-_pomerium_authenticate')}; __Host-_pomerium_authenticate=${b.jar.get(AUTH, '__Host-_pomerium_authenticate')}`;
  const before = await sessionCount(dev);
  const r = await dev.browser().get(dev.signInUrl(), { cookie });
  assertRefused(r, 400, 'DUPLICATE_SESSION_COOKIE');
  assert.equal(await sessionCount(dev), before);
});

test('two different session cookies on a route host are refused with 400', async () => {
  const a = dev.browser();
  await signIn(dev, a, dev.signInUrl());
  const b = dev.browser();
  await signIn(dev, b, dev.signInUrl(), { user: 'bob', password: 'bob-pw' });
  const cookie = `_pomerium=${b.jar.get(APP, '_pomerium')}; _pomerium=${a.jar.get(APP, '_pomerium')}`;
  const r = await dev
    .browser()
    .get(`${APP}/.pomerium/user`, { cookie, accept: 'application/json' });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).error, 'DUPLICATE_SESSION_COOKIE');
});

test('a session cookie planted on the parent domain is cleared at sign-in', async () => {
  const b = dev.browser();
  b.jar.store(
    new URL('https://evil.example.com/'),
    '_pomerium=planted; Domain=example.com; Path=/',
  );
  const hops = await signIn(dev, b, dev.signInUrl());
  assert.ok(
    hops
      .flatMap((r) => r.setCookies)
      .some((c) => /^_pomerium=; Path=\/; Domain=example\.com; Max-Age=0/.test(c)),
  );
  assert.equal(
    b.jar.cookies.filter((c) => c.name === '_pomerium' && c.value === 'planted').length,
    0,
    'the planted cookie is gone',
  );
  assert.ok(b.jar.get(APP, '_pomerium'));
});

// ── Smaller findings ───────────────────────────────────────────────────────────────────────────

test('session ids are 32 random bytes, base64url', async () => {
  const b = dev.browser();
  await signIn(dev, b, dev.signInUrl());
  const { jti } = verifySessionHandle(b.jar.get(APP, '_pomerium') ?? '', dev.keys.sessionKey);
  assert.match(jti, /^[A-Za-z0-9_-]{43}$/);
});

test('/.pomerium/sign_in on a route host starts the sign-in for that host', async () => {
  const b = dev.browser();
  const r = await b.get(
    `${APP}/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(`${APP}/deep?x=1`)}`,
  );
  assert.equal(r.status, 302);
  const next = new URL(r.location ?? '');
  assert.equal(`${next.origin}${next.pathname}`, `${AUTH}/.pomerium/sign_in`);
  assert.equal(next.searchParams.get('pomerium_redirect_uri'), `${APP}/deep?x=1`);
  assert.equal(next.searchParams.get('pomerium_additional_hosts'), 'b.example.com,c.example.com');
  const evilTarget = await b.get(
    `${APP}/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
  );
  assertRefused(evilTarget, 400, 'AUTHN_REDIRECT_INVALID');
  const hops = await signIn(dev, b, `${APP}/.pomerium/sign_in`);
  assert.equal(hops.at(-1)?.location, `${APP}/`);
});

test('the pomerium_jwt of a programmatic login is for the route host only', async () => {
  const b = dev.browser();
  const login = await b.get(
    `${APP}/.pomerium/api/v1/login?pomerium_redirect_uri=${encodeURIComponent('http://localhost:9999/cb')}`,
  );
  assert.equal(login.status, 200);
  const hops = await signIn(dev, b, login.body, { stopAt: (u) => u.hostname === 'localhost' });
  const jwt = new URL(hops.at(-1)?.location ?? '').searchParams.get('pomerium_jwt') ?? '';
  assert.deepEqual(verifySessionHandle(jwt, dev.keys.sessionKey).aud, ['app.example.com']);
});

// ── Session handles: MAC first, then strict time claims ──────────────────────────────────────

test('our own signed handles with future nbf/iat, or an absurd or non-numeric exp, are no session', async () => {
  const b = dev.browser();
  await signIn(dev, b, dev.signInUrl());
  const real = verifySessionHandle(b.jar.get(APP, '_pomerium') ?? '', dev.keys.sessionKey);
  const now = Math.floor(Date.now() / 1000);
  const variants: [string, Record<string, unknown>][] = [
    ['iat an hour ahead', { iat: now + 3600 }],
    ['nbf in the future', { nbf: now + 3600 }],
    ['exp 1e300', { exp: 1e300 }],
    ['exp a string', { exp: String(real.exp) }],
    ['exp a fraction', { exp: real.exp + 0.5 }],
    ['exp before iat', { exp: real.iat - 1 }],
  ];
  for (const [name, patch] of variants) {
    const payload = Buffer.from(JSON.stringify({ ...real, ...patch })).toString('base64url');
    const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
    const sig = createHmac('sha256', dev.keys.sessionKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    const r = await dev.browser().get(`${APP}/.pomerium/user`, {
      cookie: `_pomerium=${header}.${payload}.${sig}`,
      accept: 'application/json',
    });
    assert.equal(r.status, 401, name);
  }
  // sanity: the same construction with the real claims is a session
  const good = signSessionHandle({ ...real }, dev.keys.sessionKey);
  const ok = await dev
    .browser()
    .get(`${APP}/.pomerium/user`, { cookie: `_pomerium=${good}`, accept: 'application/json' });
  assert.equal(ok.status, 200);
});

test('a handle with a broken header and a wrong MAC is refused before any parsing', async () => {
  const junk = `${Buffer.from('{"alg":').toString('base64url')}.e30.AAAA`;
  const r = await dev
    .browser()
    .get(`${APP}/.pomerium/user`, { cookie: `_pomerium=${junk}`, accept: 'application/json' });
  assert.equal(r.status, 401);
});

test('a callback that finds an old authenticate cookie replaces it (Secure and plain HTTP), never a 500', async () => {
  for (const yaml of ['', 'cookie_secure: false']) {
    const h = yaml === '' ? dev : await startHarness({ extraYaml: yaml });
    const name = yaml === '' ? '__Host-_pomerium_authenticate' : '_pomerium_authenticate';
    try {
      const b = h.browser();
      await signIn(h, b, h.signInUrl());
      // an old (no longer valid) authenticate cookie: the sign-in goes through the IdP again
      b.jar.store(new URL(`${AUTH}/`), `${name}=stale; Path=/`);
      const hops = await b.follow(h.signInUrl(`${APP}/again`), { stop: stopAtApp });
      assert.equal(
        hops.at(-1)?.location,
        `${APP}/again`,
        JSON.stringify(hops.map((r) => r.status)),
      );
      const fresh = b.jar.get(AUTH, name) ?? '';
      assert.notEqual(fresh, 'stale');
      assert.ok(verifySessionHandle(fresh, h.keys.sessionKey).aud.includes('auth.example.com'));
    } finally {
      if (h !== dev) await h.close();
    }
  }
});

test('sign-out on a route host with two session cookies clears both (the way out of the 400)', async () => {
  const b = dev.browser();
  await signIn(dev, b, dev.signInUrl());
  b.jar.store(
    new URL('https://evil.example.com/'),
    '_pomerium=planted; Domain=example.com; Path=/',
  );
  const stuck = await b.get(`${APP}/.pomerium/user`, { accept: 'application/json' });
  assert.equal(stuck.status, 400);
  const out = await b.request('POST', `${APP}/.pomerium/sign_out`);
  assert.equal(out.status, 302);
  assert.equal(
    b.jar.cookies.filter((c) => c.name === '_pomerium').length,
    0,
    out.setCookies.join('\n'),
  );
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  buildSignInUrl,
  deriveKeys,
  sealPayload,
  signSessionHandle,
  signUrl,
} from '../../../wire/index.js';
import { APP, AUTH, type Harness, signIn, startHarness } from '../../helpers/authn-harness.js';
import type { BrowserResponse } from '../../helpers/browser.js';
import { type HostileIdp, startHostileIdp } from '../../helpers/hostile-idp.js';

let h: Harness;
let hostile: HostileIdp;
let evil: Harness;
before(async () => {
  h = await startHarness();
  hostile = await startHostileIdp('portcullis');
  evil = await startHarness({ issuer: hostile.issuer });
});
after(async () => {
  await h.close();
  await evil.close();
  await hostile.close();
});

/** Refused with `status`, the given error code, and no redirect anywhere. */
function assertRefused(r: BrowserResponse, status: number, code: string): void {
  assert.equal(r.status, status, `${r.url} → ${r.status} ${r.body.slice(0, 200)}`);
  assert.equal(r.location, null, 'no redirect');
  assert.match(r.body, new RegExp(code));
}

/** Drives a browser to the point where the IdP sends it back to /oauth2/callback. */
async function callbackUrlFor(b: ReturnType<Harness['browser']>): Promise<string> {
  const hops = await signIn(h, b, h.signInUrl(), {
    stopAt: (u) => u.hostname === 'auth.example.com' && u.pathname === '/oauth2/callback',
  });
  const location = hops.at(-1)?.location ?? '';
  assert.ok(location.startsWith(`${AUTH}/oauth2/callback?`));
  return location;
}

test('an altered sign-in URL is refused with 400', async () => {
  const url = h.signInUrl().replace('page%3Fx%3D1', 'other');
  assertRefused(await h.browser().get(url), 400, 'SIGNED_URL_INVALID');
});

test('an unsigned sign-in URL is refused with 400', async () => {
  const url = `${AUTH}/.pomerium/sign_in?pomerium_redirect_uri=${encodeURIComponent(`${APP}/`)}`;
  assertRefused(await h.browser().get(url), 400, 'SIGNED_URL_MISSING');
});

test('an expired but authentic sign-in link restarts from the original URL', async () => {
  const url = buildSignInUrl({
    authenticateUrl: AUTH,
    redirectUri: `${APP}/page?x=1`,
    idpId: h.authn.defaultIdpId,
    key: h.keys.urlKey,
    now: Date.now() - 10 * 60_000,
  });
  const r = await h.browser().get(url);
  assert.equal(r.status, 302);
  assert.equal(r.location, `${APP}/page?x=1`);
});

test('a callback URL that is expired or altered is refused with 400', async () => {
  const jwt = signSessionHandle(
    {
      iss: 'auth.example.com',
      sub: 'alice',
      aud: ['app.example.com'],
      iat: 1,
      exp: Math.floor(Date.now() / 1000) + 3600,
      jti: 'x',
      idp_id: h.authn.defaultIdpId,
    },
    h.keys.sessionKey,
  );
  const base = new URL(`${APP}/.pomerium/callback/`);
  base.searchParams.set(
    'pomerium_session_encrypted',
    sealPayload(h.keys.payloadKey, jwt, 'callback:app.example.com'),
  );
  base.searchParams.set('pomerium_redirect_uri', `${APP}/`);
  const expired = signUrl(base, h.keys.urlKey, Date.now() - 10 * 60_000);
  assertRefused(await h.browser().get(expired), 400, 'SIGNED_URL_EXPIRED');
  const altered = signUrl(base, h.keys.urlKey).replace('app.example.com%2F', 'evil.example%2F');
  assertRefused(await h.browser().get(altered), 400, 'SIGNED_URL_INVALID');
  // a payload sealed for another host does not open here
  base.searchParams.set(
    'pomerium_session_encrypted',
    sealPayload(h.keys.payloadKey, jwt, 'callback:d.example.com'),
  );
  assertRefused(await h.browser().get(signUrl(base, h.keys.urlKey)), 400, 'PAYLOAD_INVALID');
});

test('a state from another browser is refused with 400', async () => {
  const callback = await callbackUrlFor(h.browser());
  const other = h.browser();
  await other.get(h.signInUrl()); // other browser has its own CSRF cookie
  assertRefused(await other.get(callback), 400, 'AUTHN_CSRF_MISMATCH');
  assertRefused(await h.browser().get(callback), 400, 'AUTHN_CSRF_MISMATCH');
});

test('a replayed callback is refused with 400', async () => {
  const b = h.browser();
  const callback = await callbackUrlFor(b);
  const first = await b.get(callback);
  assert.equal(first.status, 302);
  assertRefused(await b.get(callback), 400, 'AUTHN_LOGIN_REPLAYED');
});

test('a tampered state is refused with 400', async () => {
  const b = h.browser();
  const callback = new URL(await callbackUrlFor(b));
  const state = callback.searchParams.get('state') ?? '';
  callback.searchParams.set('state', `${state.slice(0, -4)}AAAA`);
  assertRefused(await b.get(callback.toString()), 400, 'AUTHN_STATE_INVALID');
});

test('an IdP error is refused without a redirect', async () => {
  assertRefused(
    await h.browser().get(`${AUTH}/oauth2/callback?error=access_denied&state=x`),
    401,
    'AUTHN_ACCESS_DENIED',
  );
  assertRefused(
    await h.browser().get(`${AUTH}/oauth2/callback?error=server_error&state=x`),
    400,
    'AUTHN_IDP_ERROR',
  );
});

for (const mode of ['wrong-nonce', 'alg-none', 'hs256-public-key', 'wrong-audience'] as const) {
  test(`an ID token with ${mode} from a hostile IdP is refused with 400`, async () => {
    hostile.mode = mode;
    const b = evil.browser();
    const toIdp = await b.get(evil.signInUrl());
    assert.equal(new URL(toIdp.location ?? '').origin, hostile.issuer);
    const back = await b.get(toIdp.location ?? '');
    const r = await b.get(back.location ?? '');
    assertRefused(r, 400, 'AUTHN_TOKEN_INVALID');
    assert.equal(b.jar.get(AUTH, '__Host-_pomerium_authenticate'), undefined);
    assert.equal((await evil.store.list('session')).records.length, 0);
  });
}

test('the honest mode of the IdP double signs in (the refusals above are the token checks)', async () => {
  hostile.mode = 'honest';
  const b = evil.browser();
  const hops = await b.follow(evil.signInUrl(), {
    stop: (u) => u.hostname === 'app.example.com' && !u.pathname.startsWith('/.pomerium/'),
  });
  assert.equal(hops.at(-1)?.location, `${APP}/page?x=1`);
  assert.ok(b.jar.get(APP, '_pomerium'));
});

test('a session cookie signed with another key, or with alg none, is no session', async () => {
  const b = h.browser();
  await signIn(h, b, h.signInUrl());
  const real = b.jar.get(APP, '_pomerium') ?? '';
  const [, payload] = real.split('.');
  const other = deriveKeys(randomBytes(32).toString('base64')).sessionKey;
  const forged = signSessionHandle(
    JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
    other,
  );
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
  for (const cookie of [forged, none]) {
    const r = await h.browser().get(`${APP}/.pomerium/user`, { cookie: `_pomerium=${cookie}` });
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).error, 'AUTHN_UNAUTHENTICATED');
  }
  const ok = await h.browser().get(`${APP}/.pomerium/user`, { cookie: `_pomerium=${real}` });
  assert.equal(ok.status, 200);
});

const EVIL_TARGETS = [
  '//evil.example',
  '/\\evil.example',
  'https:evil.example',
  'https://app.example.com@evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
  '/relative/path',
  'https://app.example.com\\@evil.example',
];

for (const target of EVIL_TARGETS) {
  test(`a signed sign-in URL with redirect target ${target} is refused with 400`, async () => {
    const url = h.signInUrl(target);
    assertRefused(await h.browser().get(url), 400, 'AUTHN_REDIRECT_INVALID');
  });

  test(`programmatic login with redirect target ${target} is refused with 400`, async () => {
    const r = await h
      .browser()
      .get(`${APP}/.pomerium/api/v1/login?pomerium_redirect_uri=${encodeURIComponent(target)}`);
    assertRefused(r, 400, 'AUTHN_REDIRECT_INVALID');
  });
}

test('the route host sign-out ignores a client-supplied redirect', async () => {
  const r = await h
    .browser()
    .get(
      `${APP}/.pomerium/sign_out?pomerium_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
    );
  assert.equal(r.status, 302);
  const next = new URL(r.location ?? '');
  assert.equal(next.origin, AUTH);
  assert.equal(next.searchParams.get('pomerium_redirect_uri'), `${APP}/goodbye`);
});

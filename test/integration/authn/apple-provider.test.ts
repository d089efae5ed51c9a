// idp_provider: apple end to end through authn and authz against a local fake of Sign in with
// Apple (test/helpers/fake-providers.ts) that verifies the ES256 client-secret JWT: the callback
// arrives by form POST (cross-site, so the login cookies are SameSite=None; Secure) and keeps its
// state, CSRF and one-time checks; the name comes from the `user` field of the first sign-in only
// and is kept afterwards; `email_verified` is the string "true"; the browser-carried `user` field
// never changes the email (docs/identity-providers.md).
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import type { Browser, BrowserResponse } from '../../helpers/browser.js';
import { readForm } from '../../helpers/browser.js';
import type { AppleClientKey, FakeUser } from '../../helpers/fake-oidc-provider.js';
import {
  APP,
  AUTH,
  type PresetStack,
  postCallbackForm,
  startPresetStack,
} from '../../helpers/preset-stack.js';

const TEAM = 'ABCDE12345';
const KEY_ID = 'KEY1234567';
const ALICE: FakeUser = {
  sub: '001234.abcdef0123456789.1234',
  email: 'alice@example.com',
  emailVerified: true,
  name: 'Alice Liddell',
  groups: [],
};

function p256(): { privateKey: KeyObject; publicKey: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const key = p256();
const apple: AppleClientKey = { teamId: TEAM, keyId: KEY_ID, publicKey: key.publicKey };
let s: PresetStack;

before(async () => {
  s = await startPresetStack({
    provider: 'apple',
    user: ALICE,
    url: (f) => f.origin,
    clientSecret: key.pem,
    extraYaml: `idp_apple_team_id: ${TEAM}\nidp_apple_key_id: ${KEY_ID}`,
    apple,
  });
});
after(async () => {
  await s?.close();
});

/** From the sign-in URL to Apple's auto-submitting form_post page. */
async function toFormPage(b: Browser): Promise<{ hops: BrowserResponse[]; page: BrowserResponse }> {
  const hops = await b.follow(s.signInUrl());
  const page = hops.at(-1) as BrowserResponse;
  assert.equal(page.status, 200, 'Apple answers with an auto-submitting form');
  return { hops, page };
}

async function user() {
  return (await s.authz.store.get('user', ALICE.sub))?.data;
}

test('apple: the first sign-in arrives by form POST, the client secret is an ES256 JWT minted from the .p8 key, and the name and string email_verified count', async () => {
  const b = s.browser();
  const { hops, page } = await toFormPage(b);
  const authorize = new URL(hops.find((h) => h.url.includes('/auth/authorize'))?.url ?? '');
  assert.equal(authorize.searchParams.get('response_mode'), 'form_post');
  const loginCookies = hops
    .flatMap((h) => h.setCookies)
    .filter((c) => /^__Host-_pomerium_(csrf|pkce)/.test(c) && !/Max-Age=0/.test(c));
  assert.equal(loginCookies.length, 2, 'the CSRF and PKCE cookies');
  for (const cookie of loginCookies) {
    assert.match(cookie, /; Secure/, cookie);
    assert.match(cookie, /SameSite=None/, 'a cross-site POST brings only SameSite=None cookies');
  }
  assert.ok(readForm(page.body).fields.user, 'the first sign-in carries the user field');

  const posted = await postCallbackForm(b, page);
  assert.equal(posted.status, 302, posted.body.slice(0, 300));
  const done = await b.follow(posted.location ?? '', {
    stop: (u) => u.hostname === 'app.example.com' && u.pathname === '/page',
  });
  assert.equal(done.at(-1)?.location, `${APP}/page`);

  assert.ok(s.fake.tokenRequests.length > 0 && s.fake.tokenRequests.every((r) => r.ok));
  const secret = s.fake.appleSecrets.at(-1);
  assert.equal(secret?.iss, TEAM);
  assert.equal(secret?.sub, s.fake.clientId);
  assert.equal(secret?.aud, s.fake.issuers[0]?.replace(/\/$/, ''));

  const u = await user();
  assert.equal(u?.name, 'Alice Liddell');
  assert.equal(u?.email, 'alice@example.com', 'email_verified "true" (a string) counts');
  assert.equal((await s.check(b, 'mail')).allowed, true);
});

test('apple: a later sign-in has no user field and keeps the stored name', async () => {
  const b = s.browser();
  const { page } = await toFormPage(b);
  assert.equal(readForm(page.body).fields.user, undefined, 'Apple sends the name only once');
  const posted = await postCallbackForm(b, page);
  assert.equal(posted.status, 302);
  assert.equal((await user())?.name, 'Alice Liddell');
});

test('apple: the form POST callback keeps the state checks: another browser, a tampered state and a replay are refused', async () => {
  const a = s.browser();
  const { page } = await toFormPage(a);
  const form = readForm(page.body);

  const other = s.browser();
  await other.follow(s.signInUrl()); // its own CSRF cookie, not a's
  const stolen = await other.request('POST', form.action, { form: form.fields });
  assert.equal(stolen.status, 400);
  assert.match(stolen.body, /AUTHN_CSRF_MISMATCH/);

  const none = await s.browser().request('POST', form.action, { form: form.fields });
  assert.equal(none.status, 400, 'no cookies at all (a SameSite-blocked POST) is refused');
  assert.match(none.body, /AUTHN_CSRF_MISMATCH/);

  const state = form.fields.state ?? '';
  const tampered = await a.request('POST', form.action, {
    form: { ...form.fields, state: `${state.slice(0, -2)}AA` },
  });
  assert.equal(tampered.status, 400);
  assert.match(tampered.body, /AUTHN_STATE_INVALID/);

  const ok = await a.request('POST', form.action, { form: form.fields });
  assert.equal(ok.status, 302);
  const replay = await a.request('POST', form.action, { form: form.fields });
  assert.equal(replay.status, 400);
  assert.match(replay.body, /AUTHN_LOGIN_REPLAYED/);
});

test('apple: a forged user field changes only the display name, never the email', async () => {
  const b = s.browser();
  const { page } = await toFormPage(b);
  const form = readForm(page.body);
  const posted = await b.request('POST', form.action, {
    form: {
      ...form.fields,
      user: JSON.stringify({
        name: { firstName: 'Mallory\u0000\u202e', lastName: 'Admin' },
        email: 'ceo@other.example',
      }),
    },
  });
  assert.equal(posted.status, 302);
  const u = await user();
  assert.equal(u?.email, 'alice@example.com');
  assert.equal(u?.name, 'Mallory Admin', 'control and format characters are dropped');
});

test("apple: Pomerium's pre-signed client secret is sent as is; one signed with another key is refused", async () => {
  for (const [signer, ok] of [
    [key.privateKey, true],
    [p256().privateKey, false],
  ] as const) {
    const now = Math.floor(Date.now() / 1000);
    const stack = await startPresetStack({
      provider: 'apple',
      user: ALICE,
      url: (f) => f.origin,
      clientSecret: (f) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'ES256', kid: KEY_ID })
          .setIssuer(TEAM)
          .setSubject(f.clientId)
          .setAudience(f.origin)
          .setIssuedAt(now)
          .setExpirationTime(now + 90 * 86_400)
          .sign(signer),
      apple,
    });
    try {
      const hops = await stack.signIn(stack.browser());
      const callback = hops.find((h) => h.url === `${AUTH}/oauth2/callback`);
      if (ok) {
        assert.equal(callback?.status, 302, callback?.body.slice(0, 300));
        assert.ok(stack.fake.tokenRequests.at(-1)?.ok);
      } else {
        assert.notEqual(callback?.status, 302);
        assert.match(callback?.body ?? '', /AUTHN_TOKEN_INVALID/);
        assert.match(stack.fake.tokenRequests.at(-1)?.why ?? '', /client secret refused/);
      }
    } finally {
      await stack.close();
    }
  }
});

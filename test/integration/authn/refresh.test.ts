import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAuthnServer } from '../../../authn/index.js';
import { verifySessionHandle } from '../../../wire/index.js';
import { APP, type Harness, signIn, startHarness } from '../../helpers/authn-harness.js';

let h: Harness;
before(async () => {
  // access tokens live 2 s: always inside the refresh grace period
  h = await startHarness({ accessTokenTtl: 2 });
});
after(async () => {
  await h.close();
});

async function login(): Promise<string> {
  const b = h.browser();
  await signIn(h, b, h.signInUrl());
  return verifySessionHandle(b.jar.get(APP, '_pomerium') ?? '', h.keys.sessionKey).jti;
}

async function revokeAtIdp(token: string): Promise<void> {
  const discovery = (await (
    await fetch(`${h.idp.issuer}/.well-known/openid-configuration`)
  ).json()) as {
    revocation_endpoint: string;
  };
  const r = await fetch(discovery.revocation_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('portcullis:test-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token, token_type_hint: 'refresh_token' }),
  });
  assert.equal(r.status, 200);
}

test('a short-lived access token is refreshed with a rotated refresh token and claims kept', async () => {
  const id = await login();
  const before = (await h.store.get('session', id))?.data;
  assert.ok(before?.oauth_token);
  assert.equal(await h.authn.refreshOnce(), 1);
  const afterRefresh = (await h.store.get('session', id))?.data;
  assert.ok(afterRefresh?.oauth_token);
  assert.notEqual(afterRefresh.oauth_token.access_token, before.oauth_token.access_token);
  assert.notEqual(afterRefresh.oauth_token.refresh_token, before.oauth_token.refresh_token);
  assert.ok(afterRefresh.oauth_token.expires_at > before.oauth_token.expires_at - 1);
  assert.deepEqual(afterRefresh.groups, ['engineering', 'admins']);
  assert.equal(afterRefresh.expires_at, before.expires_at, 'the session end does not move');
});

test('a revoked refresh token ends the session at the next refresh', async () => {
  const id = await login();
  const token = (await h.store.get('session', id))?.data?.oauth_token?.refresh_token ?? '';
  await revokeAtIdp(token);
  await h.authn.refreshOnce();
  assert.equal(await h.store.get('session', id), null);
});

test('exactly one of two replicas sharing the store refreshes a session', async () => {
  const id = await login();
  const before = (await h.store.get('session', id))?.data?.oauth_token?.refresh_token;
  const other = createAuthnServer({ config: h.config, store: h.store, refresh: false });
  try {
    const counts = await Promise.all([h.authn.refreshOnce(), other.refreshOnce()]);
    assert.equal(counts.filter((n) => n > 0).length, 1, 'one replica holds the lease');
    const after = (await h.store.get('session', id))?.data?.oauth_token?.refresh_token;
    assert.notEqual(after, before);
  } finally {
    await other.close();
  }
});

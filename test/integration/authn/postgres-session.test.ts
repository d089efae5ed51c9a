import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifySessionHandle } from '../../../wire/index.js';
import { APP, type Harness, signIn, startHarness } from '../../helpers/authn-harness.js';

let h: Harness;
before(async () => {
  h = await startHarness({ store: 'postgres', accessTokenTtl: 2 });
});
after(async () => {
  await h?.close();
});

test('sessions live in PostgreSQL: sign-in writes them, refresh rotates tokens, sign-out deletes them', async () => {
  const b = h.browser();
  await signIn(h, b, h.signInUrl());
  const { jti } = verifySessionHandle(b.jar.get(APP, '_pomerium') ?? '', h.keys.sessionKey);
  const stored = await h.store.get('session', jti);
  assert.equal(stored?.data?.user_id, 'alice');
  const before = stored?.data?.oauth_token?.refresh_token;
  assert.equal(await h.authn.refreshOnce(), 1);
  assert.notEqual((await h.store.get('session', jti))?.data?.oauth_token?.refresh_token, before);

  const me = await b.get(`${APP}/.pomerium/user`, { accept: 'application/json' });
  assert.equal(me.status, 200);
  const out = await b.request('POST', `${APP}/.pomerium/sign_out`);
  await b.get(out.location ?? '');
  assert.equal(await h.store.get('session', jti), null);
  assert.equal((await b.get(`${APP}/.pomerium/user`, { accept: 'application/json' })).status, 401);
});

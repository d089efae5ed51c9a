// Refresh failures (issue 14): only an invalid_grant-class answer ends a session; a timeout, a
// 5xx, a 429, a network error or anything unknown keeps it (and it is retried with backoff).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseBodyError } from 'openid-client';
import { pino } from 'pino';
import type { IdentityProvider } from '../../../authn/lib/idp/open-identity-provider.js';
import { translateOidcError } from '../../../authn/lib/idp/translate-oidc-error.js';
import { refreshSession } from '../../../authn/lib/refresh/refresh-session.js';
import { createMemoryStore, type StoredRecord } from '../../../databroker/index.js';
import { PortcullisError } from '../../../errors/index.js';
import { sessionData } from '../../helpers/records.js';

const answer = (status: number, error: string) =>
  new ResponseBodyError('token endpoint', {
    cause: { error },
    response: new Response('', { status }),
  });
const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
  name: 'TimeoutError',
});

const CASES: readonly { name: string; error: unknown; ends: boolean }[] = [
  {
    name: 'invalid_grant (revoked or expired refresh token)',
    error: answer(400, 'invalid_grant'),
    ends: true,
  },
  { name: 'unauthorized_client', error: answer(400, 'unauthorized_client'), ends: true },
  { name: 'a token-endpoint timeout', error: timeout, ends: false },
  { name: 'a 503 from the IdP', error: answer(503, 'temporarily_unavailable'), ends: false },
  { name: 'a 500 from the IdP', error: answer(500, 'server_error'), ends: false },
  { name: 'a 429 (rate limited)', error: answer(429, 'slow_down'), ends: false },
  {
    name: 'a network error (connection refused)',
    error: new TypeError('fetch failed'),
    ends: false,
  },
  { name: 'an unknown error', error: new Error('something odd'), ends: false },
  {
    name: 'invalid_client (our misconfiguration, not the session)',
    error: answer(401, 'invalid_client'),
    ends: false,
  },
];

for (const c of CASES) {
  test(`a refresh failing with ${c.name} ${c.ends ? 'ends' : 'keeps'} the session`, async () => {
    const store = createMemoryStore();
    const now = Date.now();
    await store.put([
      {
        type: 'session',
        id: 's1',
        data: sessionData('s1', {
          oauth_token: {
            access_token: 'a',
            token_type: 'Bearer',
            refresh_token: 'r',
            expires_at: now + 1000,
          },
        }),
      },
    ]);
    const record = (await store.get('session', 's1')) as StoredRecord<'session'>;
    const idp = {
      refresh: async () => {
        throw translateOidcError(c.error, 'refresh');
      },
      revoke: async () => true,
    } as unknown as IdentityProvider;
    const outcome = await refreshSession(record, idp, {
      store,
      logger: pino({ level: 'silent' }),
      now: Date.now,
    });
    assert.equal(outcome, c.ends ? 'ended' : 'retry');
    assert.equal((await store.get('session', 's1')) === null, c.ends);
    await store.close();
  });
}

test('a refreshed identity of another subject ends the session', async () => {
  const { isRefreshRefused } = await import('../../../authn/lib/refresh/is-refresh-refused.js');
  assert.equal(
    isRefreshRefused(
      new PortcullisError('AUTHN_TOKEN_INVALID', 'refreshed ID token has another subject'),
    ),
    true,
  );
});

test('the refresh lease is renewed while a pass outlasts it, so no other replica takes it meanwhile', async () => {
  const { startRefresher, REFRESH_LEASE } = await import(
    '../../../authn/lib/refresh/start-refresher.js'
  );
  let t = Date.now();
  const clock = () => t;
  const store = createMemoryStore({ now: clock });
  for (let i = 0; i < 5; i++) {
    await store.put([
      {
        type: 'session',
        id: `s${i}`,
        data: sessionData(`s${i}`, {
          oauth_token: {
            access_token: 'a',
            token_type: 'Bearer',
            refresh_token: `r${i}`,
            expires_at: t + 1000,
          },
        }),
      },
    ]);
  }
  const takenByOther: boolean[] = [];
  const idp = {
    // Each refresh takes 15 s of the injected clock: the pass lasts 75 s, the lease 30 s.
    refresh: async () => {
      t += 15_000;
      const other = await store.lease(REFRESH_LEASE, 30_000);
      takenByOther.push(other !== null);
      await other?.release();
      throw translateOidcError(new TypeError('fetch failed'), 'refresh');
    },
    revoke: async () => true,
  } as unknown as IdentityProvider;
  const refresher = startRefresher({
    store,
    logger: pino({ level: 'silent' }),
    now: clock,
    enabled: false,
    leaseTtlMs: 30_000,
    state: () => ({ idps: new Map([[sessionData('x').idp_id, idp]]) }) as never,
  });
  try {
    await refresher.runOnce();
    assert.equal(takenByOther.length, 5, 'every session was tried');
    assert.deepEqual(takenByOther, [false, false, false, false, false]);
  } finally {
    await refresher.stop();
    await store.close();
  }
});

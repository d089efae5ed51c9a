// Refreshes one session's IdP tokens: the rotated refresh token is written with optimistic
// concurrency and never used twice; claims and groups follow the IdP; only an invalid_grant-class
// refusal ends the session (is-refresh-refused.ts); any other failure (timeout, 5xx, network,
// unknown) keeps it and is retried later with backoff.

import type { Logger } from 'pino';
import type { RecordStore, Session, StoredRecord } from '../../../databroker/index.js';
import { errorCodeOf, PortcullisError } from '../../../errors/index.js';
import type { IdentityProvider } from '../idp/open-identity-provider.js';
import { idTokenOf, oauthTokenOf } from '../mint-session.js';
import { isRefreshRefused } from './is-refresh-refused.js';

export type RefreshOutcome = 'refreshed' | 'ended' | 'retry';

export async function refreshSession(
  record: StoredRecord<'session'>,
  idp: IdentityProvider | undefined,
  deps: { readonly store: RecordStore; readonly logger: Logger; readonly now: () => number },
): Promise<RefreshOutcome> {
  const session = record.data;
  if (!session?.oauth_token?.refresh_token) return 'retry';
  const { store, logger } = deps;
  if (!idp) {
    await store.delete('session', session.id);
    logger.info(
      { event: 'session_ended', session: session.id, reason: 'idp_removed' },
      'session ended',
    );
    return 'ended';
  }
  let result: Awaited<ReturnType<IdentityProvider['refresh']>>;
  try {
    result = await idp.refresh(
      session.oauth_token.refresh_token,
      session.id_token?.subject ?? session.user_id,
    );
  } catch (error) {
    const code = errorCodeOf(error);
    if (isRefreshRefused(error)) {
      await store.delete('session', session.id);
      logger.info(
        { event: 'session_ended', session: session.id, reason: code },
        'refresh refused: session ended',
      );
      return 'ended';
    }
    logger.warn(
      { event: 'refresh_failed', session: session.id, code },
      'refresh failed (the session is kept); will retry with backoff',
    );
    return 'retry';
  }
  const { tokens, identity } = result;
  // Apple sends the user's name on the first sign-in only: keep the stored one
  const name =
    identity && identity.name === '' && idp.settings.keepStoredName
      ? ((await store.get('user', session.user_id))?.data?.name ?? '')
      : identity?.name;
  const update = (base: Session): Session => ({
    ...base,
    oauth_token: oauthTokenOf(tokens),
    // a refresh without a new ID token keeps the one from sign-in
    id_token: idTokenOf(tokens) ?? base.id_token,
    claims: identity ? identity.claims : base.claims,
    groups: identity ? [...identity.groups] : base.groups,
  });
  let expected = record.version;
  let base = session;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const writes: Parameters<RecordStore['put']>[0][number][] = [
        { type: 'session', id: session.id, data: update(base), expected_version: expected },
      ];
      if (identity) {
        writes.push({
          type: 'user',
          id: base.user_id,
          data: {
            id: base.user_id,
            email: identity.email,
            name: name ?? '',
            claims: identity.claims,
          },
        });
      }
      await store.put(writes);
      logger.info({ event: 'session_refreshed', session: session.id }, 'tokens refreshed');
      return 'refreshed';
    } catch (error) {
      if (!(error instanceof PortcullisError) || error.code !== 'RECORD_CONFLICT') throw error;
      const current = await store.get('session', session.id);
      if (!current?.data) {
        // signed out while we refreshed: the new tokens must not outlive the session
        await idp.revoke(tokens.refreshToken, 'refresh_token').catch(() => false);
        return 'ended';
      }
      expected = current.version;
      base = current.data;
    }
  }
  return 'retry';
}

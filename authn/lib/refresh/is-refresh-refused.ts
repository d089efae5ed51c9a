// Which refresh failures end a session: only the IdP saying the grant is dead (invalid_grant and
// its class: the refresh token was revoked, expired or belongs to another client) or a refreshed
// identity that is not the session's user. Everything else — timeouts, 5xx, 429, network errors,
// unparseable answers, anything unknown — keeps the session and is retried with backoff.
import { ResponseBodyError } from 'openid-client';
import { PortcullisError } from '../../../errors/index.js';

const GRANT_DEAD = new Set(['invalid_grant', 'unauthorized_client']);

export function isRefreshRefused(error: unknown): boolean {
  if (!(error instanceof PortcullisError) || error.code !== 'AUTHN_TOKEN_INVALID') return false;
  const cause = error.cause;
  // Our own check (another subject) throws without a cause.
  if (cause === undefined) return true;
  return cause instanceof ResponseBodyError && GRANT_DEAD.has(cause.error);
}

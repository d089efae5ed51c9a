// The session behind a verified handle (reference §3.5 step 5, §6.4), read through the databroker
// cache: missing, deleted, expired, for another identity provider or another user → no session.
// Store failures propagate (STORE_UNAVAILABLE → 503), never "no session" (no login loop).
import type { SessionHandleClaims } from '../../config/index.js';
import type { RecordCache, Session } from '../../databroker/index.js';

/** Usable now: not past `expires_at`; an expired OAuth token only with a refresh token. */
export function isSessionValid(session: Session, now: number): boolean {
  if (session.expires_at && session.expires_at <= now) return false;
  const token = session.oauth_token;
  if (token?.expires_at && token.expires_at <= now) {
    if (!token.refresh_token || session.refresh_disabled) return false;
  }
  return true;
}

function usable(session: Session | null, handle: SessionHandleClaims, now: number) {
  if (session === null) return null;
  if (session.idp_id !== handle.idp_id || session.user_id !== handle.sub) return null;
  return isSessionValid(session, now) ? session : null;
}

export async function loadSession(
  cache: RecordCache,
  handle: SessionHandleClaims,
  now: number,
): Promise<Session | null> {
  return usable(await cache.getSession(handle.jti), handle, now);
}

/**
 * `loadSession` answered from memory only: undefined when the session is not cached (then the
 * async `loadSession` must answer; it may read the store or fail with STORE_UNAVAILABLE).
 */
export function peekSession(
  cache: RecordCache,
  handle: SessionHandleClaims,
  now: number,
): Session | null | undefined {
  const session = cache.peekSession(handle.jti);
  return session === undefined ? undefined : usable(session, handle, now);
}

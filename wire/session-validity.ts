// When a databroker session is usable (docs/pomerium-behaviour.md §3.5 step 5, §6.4), for authn
// and authz alike: it belongs to the handle's user and identity provider, it has not ended, and
// an expired OAuth token counts only while it can still be refreshed.
import type { Session } from '../databroker/index.js';

/** The parts of a verified session handle the check reads. */
export interface HandleIdentity {
  readonly sub: string;
  readonly idp_id: string;
}

/** Usable now: not past `expires_at`; an expired OAuth token only with a refresh token. */
export function isSessionValid(session: Session, now: number): boolean {
  if (session.expires_at && session.expires_at <= now) return false;
  const token = session.oauth_token;
  if (token?.expires_at && token.expires_at <= now) {
    if (!token.refresh_token || session.refresh_disabled) return false;
  }
  return true;
}

/** The session if it is the handle's (same user and identity provider) and valid now, else null. */
export function usableSession(
  session: Session | null | undefined,
  handle: HandleIdentity,
  now: number,
): Session | null {
  if (!session) return null;
  if (session.idp_id !== handle.idp_id || session.user_id !== handle.sub) return null;
  return isSessionValid(session, now) ? session : null;
}

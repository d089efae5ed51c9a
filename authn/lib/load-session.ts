// Finds the caller's session: the handle (route cookie / token headers, or the authenticate
// cookie) must verify, and the databroker session must exist and still be valid (§3.5, §6.4).
import { type SessionHandleClaims, verifySessionHandle } from '../../config/index.js';
import type { Session, User } from '../../databroker/index.js';
import type { RequestContext } from './request-context.js';

export const AUTHENTICATE_COOKIE = '_pomerium_authenticate';

export interface LoadedSession {
  readonly handle: SessionHandleClaims;
  readonly session: Session;
  /** Store version of the session record. */
  readonly version: number;
  readonly user: User | null;
}

/** The raw handle a request carries on a route host (reference §3.5 step 4 order). */
export function readRouteHandle(ctx: RequestContext): string | undefined {
  const cookie = ctx.cookies.get(ctx.state.config.cookie_name);
  if (cookie) return cookie;
  const x = ctx.req.headers['x-pomerium-authorization'];
  if (typeof x === 'string' && x) return x.trim();
  const auth = ctx.req.headers.authorization ?? '';
  if (auth.startsWith('Pomerium ')) return auth.slice(9).trim();
  if (auth.startsWith('Bearer Pomerium-')) return auth.slice(16).trim();
  return undefined;
}

/** True when the session is usable now (not expired; token expired only with a refresh token). */
export function isSessionValid(session: Session, now: number): boolean {
  if (session.expires_at && session.expires_at <= now) return false;
  const token = session.oauth_token;
  if (token?.expires_at && token.expires_at <= now) {
    if (!token.refresh_token || session.refresh_disabled) return false;
  }
  return true;
}

/** Verifies a handle; null on any problem (a bad handle means "no session"). */
export function verifyHandle(
  ctx: RequestContext,
  jwt: string | undefined,
  idpId?: string,
): SessionHandleClaims | null {
  if (!jwt) return null;
  try {
    return verifySessionHandle(jwt, ctx.state.keys.sessionKey, {
      now: ctx.now,
      ...(idpId ? { idpId } : {}),
    });
  } catch {
    return null;
  }
}

/** Loads the session behind a handle, or null. Store errors propagate (→ 503, fail closed). */
export async function loadSession(
  ctx: RequestContext,
  jwt: string | undefined,
  idpId?: string,
): Promise<LoadedSession | null> {
  const handle = verifyHandle(ctx, jwt, idpId);
  if (!handle || !ctx.state.idps.has(handle.idp_id)) return null;
  const record = await ctx.deps.store.get('session', handle.jti);
  const session = record?.data;
  if (!record || !session || session.idp_id !== handle.idp_id) return null;
  if (!isSessionValid(session, ctx.now)) return null;
  const user = session.user_id ? await ctx.deps.store.get('user', session.user_id) : null;
  return { handle, session, version: record.version, user: user?.data ?? null };
}

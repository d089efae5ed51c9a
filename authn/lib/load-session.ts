// Finds the caller's session: on a route host the token sources of wire/read-session-tokens.ts
// in their order (first that verifies wins), on the authenticate host its own cookie, whose
// handle must name the authenticate host in `aud`; then the databroker session must be usable
// (wire/session-validity.ts).

import type { Session, User } from '../../databroker/index.js';
import {
  readSessionTokens,
  type SessionHandleClaims,
  usableSession,
  verifySessionHandle,
} from '../../wire/index.js';
import { readCookie } from './cookies.js';
import type { RequestContext } from './request-context.js';

/** Bare name of the authenticate host's session cookie (see `state.cookieNames`). */
export const AUTHENTICATE_COOKIE = '_pomerium_authenticate';

export interface LoadedSession {
  readonly handle: SessionHandleClaims;
  readonly session: Session;
  /** Store version of the session record. */
  readonly version: number;
  readonly user: User | null;
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

/**
 * The verified handle a request carries on a route host: the first token source (cookie,
 * X-Pomerium-Authorization, Authorization, query) that verifies. Two different session cookies
 * → DUPLICATE_SESSION_COOKIE.
 */
export function readRouteHandle(ctx: RequestContext): SessionHandleClaims | null {
  const cookieName = ctx.state.config.cookie_name;
  readCookie(ctx, cookieName);
  const candidates = readSessionTokens(
    cookieName,
    ctx.cookies,
    ctx.req.headers as Record<string, string | undefined>,
    ctx.url.search.slice(1),
  );
  for (const c of candidates) {
    const handle = verifyHandle(ctx, c.token);
    if (handle) return handle;
  }
  return null;
}

/** The verified handle of the authenticate host's own cookie (its `aud` names this host). */
export function readAuthenticateHandle(
  ctx: RequestContext,
  idpId?: string,
): SessionHandleClaims | null {
  const handle = verifyHandle(ctx, readCookie(ctx, ctx.state.cookieNames.authenticate), idpId);
  return handle?.aud.includes(ctx.state.authenticateHost) ? handle : null;
}

/** Loads the session behind a verified handle, or null. Store errors propagate (→ 503). */
export async function loadSession(
  ctx: RequestContext,
  handle: SessionHandleClaims | null,
): Promise<LoadedSession | null> {
  if (!handle || !ctx.state.idps.has(handle.idp_id)) return null;
  const record = await ctx.deps.store.get('session', handle.jti);
  const session = usableSession(record?.data, handle, ctx.now);
  if (!record || !session) return null;
  const user = session.user_id ? await ctx.deps.store.get('user', session.user_id) : null;
  return { handle, session, version: record.version, user: user?.data ?? null };
}

// A completed login becomes a user record and a new session record (id = 32 random bytes,
// base64url — never the IdP's jti; expires_at = now + cookie_expire), written in one databroker
// batch (docs/pomerium-behaviour.md §3.3 step 4).
import { randomBytes } from 'node:crypto';
import type { Session, StoredRecord } from '../../databroker/index.js';
import type { LoginResult } from './idp/open-identity-provider.js';
import type { RequestContext } from './request-context.js';

/** A session id: 256 random bits, base64url (43 characters). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** The session's copy of the IdP's OAuth tokens (sealed at rest by the databroker). */
export function oauthTokenOf(tokens: LoginResult['tokens']): Session['oauth_token'] {
  return {
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    refresh_token: tokens.refreshToken,
    expires_at: tokens.accessTokenExpiresAt,
  };
}

/** The session's record of the IdP's ID token, or null when the IdP sent none. */
export function idTokenOf(tokens: LoginResult['tokens']): Session['id_token'] {
  const t = tokens.idToken;
  return t
    ? {
        issuer: t.issuer,
        subject: t.subject,
        issued_at: t.issuedAt,
        expires_at: t.expiresAt,
        raw: t.raw,
      }
    : null;
}

export async function mintSession(
  ctx: RequestContext,
  idpId: string,
  result: LoginResult,
  audience: readonly string[],
): Promise<StoredRecord<'session'>> {
  const { tokens, identity } = result;
  const now = ctx.now;
  const session: Session = {
    id: newSessionId(),
    user_id: identity.userId,
    idp_id: idpId,
    issued_at: now,
    accessed_at: now,
    expires_at: now + ctx.state.sessionTtlMs,
    oauth_token: oauthTokenOf(tokens),
    id_token: idTokenOf(tokens),
    claims: identity.claims,
    audience: [...audience],
    groups: [...identity.groups],
  };
  let name = identity.name;
  if (name === '' && ctx.state.idps.get(idpId)?.settings.keepStoredName) {
    // Apple sends the name on the first sign-in only
    const previous = await ctx.deps.store.get('user', identity.userId);
    name = previous?.data?.name ?? '';
  }
  const written = await ctx.deps.store.put([
    {
      type: 'user',
      id: identity.userId,
      data: {
        id: identity.userId,
        email: identity.email,
        name,
        claims: identity.claims,
      },
    },
    { type: 'session', id: session.id, data: session },
  ]);
  return written.find((r) => r.type === 'session') as StoredRecord<'session'>;
}

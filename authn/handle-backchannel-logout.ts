// POST /.pomerium/backchannel_logout on the authenticate host (OpenID Connect Back-Channel
// Logout 1.0): the IdP posts a `logout_token`, verified like an ID token against its JWKS
// (authn/lib/idp/verify-idp-jwt.ts: signature, iss, aud, iat, the logout event, no nonce);
// every session of that IdP whose `sid` claim (or, without one, whose `sub`) matches is
// deleted — every authz replica sees it at once. A token that does not verify is a 400.

import type { Session } from '../databroker/index.js';
import { PortcullisError } from '../errors/index.js';
import { fail } from './lib/authn-error.js';
import type { IdentityProvider } from './lib/idp/open-identity-provider.js';
import { readForm } from './lib/read-form.js';
import type { RequestContext } from './lib/request-context.js';
import { sendJson } from './lib/send-response.js';

function first(values: readonly unknown[] | undefined): unknown {
  return values?.[0];
}

function matches(session: Session, idp: IdentityProvider, who: { sub?: string; sid?: string }) {
  if (session.idp_id !== idp.settings.id) return false;
  if (who.sid !== undefined && first(session.claims.sid) !== who.sid) return false;
  if (who.sub !== undefined && first(session.claims.sub) !== who.sub) return false;
  return true;
}

export async function handleBackchannelLogout(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'POST') throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use POST');
  const token = (await readForm(ctx.req)).get('logout_token');
  if (!token) throw fail('AUTHN_BAD_REQUEST', 'missing logout_token');
  let verified: { idp: IdentityProvider; who: { sub?: string; sid?: string } } | undefined;
  let refusal: unknown;
  for (const idp of ctx.state.idps.values()) {
    try {
      verified = { idp, who: await idp.verifyLogoutToken(token) };
      break;
    } catch (error) {
      refusal = error;
    }
  }
  if (!verified) {
    if (refusal instanceof PortcullisError && refusal.code === 'AUTHN_IDP_UNAVAILABLE') {
      throw refusal;
    }
    throw fail('AUTHN_TOKEN_INVALID', 'the logout token does not verify', refusal);
  }
  const deleted: string[] = [];
  let after: string | undefined;
  do {
    const page = await ctx.deps.store.list('session', { limit: 1000, ...(after ? { after } : {}) });
    for (const r of page.records) {
      if (r.data && matches(r.data, verified.idp, verified.who)) {
        await ctx.deps.store.delete('session', r.id);
        deleted.push(r.id);
      }
    }
    after = page.next ?? undefined;
  } while (after);
  ctx.log.info(
    { event: 'backchannel_logout', idp: verified.idp.settings.id, sessions: deleted },
    'sessions ended by the IdP',
  );
  sendJson(ctx.res, 200, { sessions: deleted.length });
}

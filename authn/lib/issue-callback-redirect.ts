// After a login (or with a live authenticate session): mint the session handle for the target
// hosts, encrypt it for the first route host, and send the browser to that host's signed
// /.pomerium/callback/ (docs/pomerium-behaviour.md §3.3 step 5, §3.7, §3.8).

import type { Session } from '../../databroker/index.js';
import { sealPayload, signSessionHandle, signUrl } from '../../wire/index.js';
import type { LoginTarget } from './login-state.js';
import type { RequestContext } from './request-context.js';

/** Purpose bound into the encrypted payload: it opens only on the host it was made for. */
export function callbackPurpose(hostname: string): string {
  return `callback:${hostname.toLowerCase()}`;
}

/** The signed `/.pomerium/callback/` URL on `callbackUrl`'s host carrying `jwt`. */
export function signedCallbackUrl(
  ctx: RequestContext,
  callbackUrl: URL,
  jwt: string,
  params: Record<string, string>,
): string {
  const url = new URL(callbackUrl.toString());
  url.search = '';
  url.searchParams.set(
    'pomerium_session_encrypted',
    sealPayload(ctx.state.keys.payloadKey, jwt, callbackPurpose(url.hostname)),
  );
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return signUrl(url, ctx.state.keys.urlKey, ctx.now);
}

/** The handle JWT for `session`, valid on exactly the hosts in `audience`. */
export function mintHandle(
  ctx: RequestContext,
  session: Session,
  audience: readonly string[],
): string {
  return signSessionHandle(
    {
      iss: ctx.state.authenticateHost,
      sub: session.user_id,
      aud: [...new Set(audience)],
      iat: Math.floor(ctx.now / 1000),
      exp: Math.floor(session.expires_at / 1000),
      jti: session.id,
      idp_id: session.idp_id,
    },
    ctx.state.keys.sessionKey,
  );
}

/**
 * The route hosts a login's handle is for: the callback host alone for programmatic login (the
 * `pomerium_jwt` a CLI gets is good on that route host only), else the redirect host, the
 * callback host and the depends_on hosts.
 */
export function targetHosts(target: LoginTarget): string[] {
  if (target.programmatic && target.callbackUri) {
    return [new URL(target.callbackUri).hostname.toLowerCase()];
  }
  const hosts = [new URL(target.redirectUri).hostname];
  if (target.callbackUri) hosts.push(new URL(target.callbackUri).hostname);
  return [...new Set([...hosts, ...target.additionalHosts].map((h) => h.toLowerCase()))];
}

/** The URL to send the browser to after sign-in for `target`. */
export function callbackRedirectUrl(
  ctx: RequestContext,
  target: LoginTarget,
  session: Session,
): string {
  const jwt = mintHandle(ctx, session, targetHosts(target));
  const callback = target.callbackUri
    ? new URL(target.callbackUri)
    : new URL('/.pomerium/callback/', new URL(target.redirectUri).origin);
  const params: Record<string, string> = { pomerium_redirect_uri: target.redirectUri };
  if (target.programmatic) params.pomerium_programmatic = 'true';
  if (target.additionalHosts.length > 0) {
    params.pomerium_additional_hosts = target.additionalHosts.join(',');
  }
  return signedCallbackUrl(ctx, callback, jwt, params);
}

// The signed links a denial carries back to authn: the sign-in redirect and the 403 page's
// "who am I" link. Both return to the original URL on the route's own scheme (plain http only
// for `from: http://…`, i.e. insecure_server) and never carry a session token in the query.
import { buildSignInUrl, buildUserInfoUrl } from '../../wire/index.js';
import type { CheckContext } from '../lib/check-context.js';

function originalUrl(ctx: CheckContext): string {
  const url = new URL(ctx.policyRequest!.url);
  url.protocol = ctx.route?.route.from.startsWith('http://') ? 'http:' : 'https:';
  url.searchParams.delete('pomerium_session');
  return url.toString();
}

/** Signed `/.pomerium/sign_in` URL for a route's login (null without an authenticate URL). */
export function signInLocation(ctx: CheckContext): string | null {
  if (ctx.state.authenticateUrl === null) return null;
  return buildSignInUrl({
    authenticateUrl: ctx.state.authenticateUrl,
    redirectUri: originalUrl(ctx),
    idpId: ctx.route!.idpId,
    additionalHosts: ctx.route!.dependsOn,
    key: ctx.state.urlKey,
    now: ctx.now,
  });
}

/** Signed `/.pomerium/` link shown on the 403 page (undefined without an authenticate URL). */
export function userInfoUrl(ctx: CheckContext): string | undefined {
  if (ctx.state.authenticateUrl === null) return undefined;
  return buildUserInfoUrl({
    authenticateUrl: ctx.state.authenticateUrl,
    redirectUri: originalUrl(ctx),
    key: ctx.state.urlKey,
    now: ctx.now,
  });
}

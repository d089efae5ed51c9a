// GET /.pomerium/sign_in on the authenticate host (docs/pomerium-behaviour.md §3.3 steps 3 and 5): a verified
// sign-in URL either completes at once (live authenticate session) or starts the IdP login.
// An expired but authentic link restarts from the original URL instead of a dead-end 400.
import {
  buildSignInUrl,
  MAX_ADDITIONAL_HOSTS,
  verifySignedUrl,
  wantsLoginRedirect,
} from '../wire/index.js';
import { fail } from './lib/authn-error.js';
import { checkRedirectTarget } from './lib/check-redirect-target.js';
import { allowRestart, clockSkewError, loginProgressed } from './lib/detect-clock-skew.js';
import { callbackRedirectUrl } from './lib/issue-callback-redirect.js';
import { loadSession, readAuthenticateHandle } from './lib/load-session.js';
import { startLogin } from './lib/login-state.js';
import { isOwnHost, readLoginTarget } from './lib/read-login-target.js';
import type { RequestContext } from './lib/request-context.js';
import { redirect } from './lib/send-response.js';

export async function handleSignIn(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'GET') throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET');
  const verified = verifySignedUrl(ctx.url, ctx.state.keys.urlKey, ctx.now);
  if (!verified.ok) {
    if (verified.code === 'SIGNED_URL_EXPIRED') return restart(ctx);
    // Authentic (its MAC verified) but from the future: the clocks disagree (detect-clock-skew.ts).
    if (verified.code === 'SIGNED_URL_NOT_YET_VALID') throw clockSkewError(ctx, 'behind');
    throw fail(verified.code, 'the sign-in link is not valid');
  }
  loginProgressed(ctx);
  const target = readLoginTarget(ctx, verified.url.searchParams);
  const live = await loadSession(ctx, readAuthenticateHandle(ctx, target.idpId));
  if (live) {
    ctx.log.info({ event: 'sign_in', session: live.session.id, reused: true }, 'sign-in');
    return redirect(ctx.res, callbackRedirectUrl(ctx, target, live.session), {
      cookies: ctx.setCookies,
    });
  }
  // a script (XHR, gRPC, an Accept that prefers anything over HTML) gets a 401, not the IdP
  if (!wantsLoginRedirect(ctx.req.headers as Record<string, string | undefined>, '')) {
    throw fail('AUTHN_UNAUTHENTICATED', 'sign-in required');
  }
  const idp = ctx.state.idps.get(target.idpId);
  if (!idp) throw fail('AUTHN_BAD_REQUEST', 'unknown identity provider');
  const login = startLogin(ctx, target, idp.formPost);
  const location = await idp.authorizationUrl(login);
  ctx.log.info({ event: 'sign_in_started', idp: target.idpId }, 'redirecting to the IdP');
  return redirect(ctx.res, location, { cookies: ctx.setCookies });
}

/**
 * GET /.pomerium/sign_in on a route host: on to the authenticate host's signed sign-in URL for
 * this route, coming back to `pomerium_redirect_uri` (a URL on this same host) or `/`.
 */
export async function handleRouteSignIn(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'GET') throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET');
  const raw = ctx.url.searchParams.get('pomerium_redirect_uri') ?? `${ctx.url.origin}/`;
  const back = checkRedirectTarget(raw, (u) => u.hostname.toLowerCase() === ctx.hostname);
  const route = ctx.state.routeForHost(ctx.hostname);
  const location = buildSignInUrl({
    authenticateUrl: ctx.state.authenticateUrl,
    redirectUri: back,
    idpId: ctx.state.idpIdFor(route),
    additionalHosts: (route?.depends_on ?? []).slice(0, MAX_ADDITIONAL_HOSTS),
    key: ctx.state.keys.urlKey,
    now: ctx.now,
  });
  return redirect(ctx.res, location);
}

/**
 * The link's MAC verified but it expired (a slow login, a restored tab): its target is ours and
 * authentic, so go back to the original URL, where authz issues a fresh sign-in link.
 */
function restart(ctx: RequestContext): void {
  const target = ctx.url.searchParams.get('pomerium_redirect_uri');
  if (ctx.url.searchParams.get('pomerium_programmatic') === 'true' || !target) {
    throw fail('SIGNED_URL_EXPIRED', 'the sign-in link expired; start the login again');
  }
  const url = checkRedirectTarget(target, (u) => isOwnHost(ctx, u));
  // A fresh link that is expired again and again is clock skew, not a slow login.
  if (!allowRestart(ctx)) throw clockSkewError(ctx, 'ahead');
  ctx.log.info(
    { event: 'sign_in_restarted' },
    'expired sign-in link: restarting from the original URL',
  );
  redirect(ctx.res, url.toString(), { cookies: ctx.setCookies });
}

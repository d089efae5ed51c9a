// GET|POST /oauth2/callback on the authenticate host (docs/pomerium-behaviour.md §3.3 step 4): IdP errors, state
// and CSRF binding, one-time PKCE cookie, code exchange with ID-token checks, session records,
// the authenticate cookie, then straight on to the route host's signed callback.
import { themeOf } from '../wire/index.js';
import { fail } from './lib/authn-error.js';
import { checkRedirectTarget } from './lib/check-redirect-target.js';
import { callbackRedirectUrl, mintHandle, targetHosts } from './lib/issue-callback-redirect.js';
import { finishLogin, type LoginTarget } from './lib/login-state.js';
import { mintSession } from './lib/mint-session.js';
import { readForm } from './lib/read-form.js';
import { isOwnHost } from './lib/read-login-target.js';
import { escapeHtml, renderPage } from './lib/render-page.js';
import type { RequestContext } from './lib/request-context.js';
import { redirect, sendHtml } from './lib/send-response.js';
import { authenticateCookie, clearPlantedCookies } from './lib/session-cookie.js';

export async function handleOAuthCallback(ctx: RequestContext): Promise<void> {
  const redirectUri = new URL('/oauth2/callback', ctx.state.authenticateUrl);
  let params: URLSearchParams;
  let callback: URL | Request;
  if (ctx.method === 'GET') {
    params = ctx.url.searchParams;
    callback = new URL(redirectUri);
    callback.search = ctx.url.search;
  } else if (ctx.method === 'POST') {
    params = await readForm(ctx.req);
    callback = new Request(redirectUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
  } else {
    throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET or POST');
  }

  const error = params.get('error');
  if (error) {
    ctx.log.info({ event: 'idp_error', error: error.slice(0, 64) }, 'the IdP returned an error');
    if (error === 'access_denied' || error === 'unauthorized_client') {
      throw fail('AUTHN_ACCESS_DENIED', 'the identity provider denied the sign-in');
    }
    throw fail('AUTHN_IDP_ERROR', 'the identity provider returned an error');
  }

  const finished = finishLogin(ctx, params.get('state'), ctx.method === 'POST');
  if (finished.stale) return expired(ctx, finished.target);
  if (!params.get('code')) throw fail('AUTHN_BAD_REQUEST', 'missing code');
  const { target } = finished;
  const idp = ctx.state.idps.get(target.idpId);
  if (!idp) throw fail('AUTHN_STATE_INVALID', 'unknown identity provider');

  const result = await idp.exchangeCode(callback, {
    state: params.get('state') as string,
    nonce: finished.nonce,
    codeVerifier: finished.codeVerifier,
  });
  if (!result.identity.userId) throw fail('AUTHN_TOKEN_INVALID', 'the ID token names no user');
  if (result.identity.dropped.length > 0) {
    ctx.log.warn(
      { event: 'claims_dropped', idp: target.idpId, dropped: result.identity.dropped.slice(0, 20) },
      'claims from the IdP were dropped or not trusted',
    );
  }
  const record = await mintSession(ctx, target.idpId, result, targetHosts(target));
  const session = record.data;
  if (!session) throw fail('RECORD_INVALID', 'session was not stored');
  ctx.setCookies.push(
    authenticateCookie(
      ctx,
      mintHandle(ctx, session, [ctx.state.authenticateHost]),
      session.expires_at,
    ),
    ...clearPlantedCookies(ctx, ctx.state.cookieNames.authenticate),
  );
  ctx.log.info(
    { event: 'sign_in', session: session.id, user: session.user_id, idp: target.idpId },
    'signed in',
  );
  return redirect(ctx.res, callbackRedirectUrl(ctx, target, session), { cookies: ctx.setCookies });
}

/**
 * The login spent longer than STATE_TTL_MS at the IdP: a 400 page that says so and links the
 * original URL (checked: one of our hosts) — the user starts again by choice, never in a loop.
 */
function expired(ctx: RequestContext, target: LoginTarget): void {
  let link = '';
  if (!target.programmatic) {
    try {
      const url = checkRedirectTarget(target.redirectUri, (u) => isOwnHost(ctx, u));
      link = `<ul class="actions"><li><a class="button" id="start-again" href="${escapeHtml(url.toString())}">Start again</a></li></ul>`;
    } catch {
      // no usable link: the page still explains
    }
  }
  ctx.log.info({ event: 'sign_in_expired' }, 'the login took too long at the IdP');
  sendHtml(
    ctx.res,
    400,
    renderPage(
      'Request expired',
      `<p class="lead">This sign-in took too long and its request expired. Start again to sign in.</p>${link}<p class="muted">Status 400 · code <code>AUTHN_LOGIN_EXPIRED</code></p>`,
      themeOf(ctx.state.config),
    ),
    { cookies: ctx.setCookies },
  );
}

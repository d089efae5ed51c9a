// Sign-out (docs/pomerium-behaviour.md §3.9). Route host: clear `_pomerium`, go to the signed authenticate
// sign-out carrying only configured (never client-chosen) targets. Authenticate host: an
// unsigned request gets a confirmation page; a signed one deletes the session(s), revokes the
// IdP token, clears the cookie and ends the IdP session (id_token_hint) or lands on signed_out.

import type { Session } from '../databroker/index.js';
import { signUrl, themeOf, verifySignedUrl } from '../wire/index.js';
import { fail } from './lib/authn-error.js';
import { checkRedirectTarget } from './lib/check-redirect-target.js';
import { readAuthenticateHandle, readRouteHandle } from './lib/load-session.js';
import { readForm } from './lib/read-form.js';
import { isOwnHost } from './lib/read-login-target.js';
import { escapeHtml, renderPage } from './lib/render-page.js';
import type { RequestContext } from './lib/request-context.js';
import { redirect, sendHtml } from './lib/send-response.js';
import { clearAuthenticateCookie, clearCookie, clearPlantedCookies } from './lib/session-cookie.js';

const SIGN_OUT = '/.pomerium/sign_out';

/** Sign-out goes on even when the cookies are ambiguous (two different values): no handle. */
function signedOutAnyway<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

function checkMethod(ctx: RequestContext): void {
  if (ctx.method !== 'GET' && ctx.method !== 'POST') {
    throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET or POST');
  }
}

/** `/.pomerium/sign_out` on a route host. */
export async function handleRouteSignOut(ctx: RequestContext): Promise<void> {
  checkMethod(ctx);
  if (ctx.method === 'POST') await readForm(ctx.req);
  const handle = signedOutAnyway(() => readRouteHandle(ctx));
  const url = new URL(SIGN_OUT, ctx.state.authenticateUrl);
  const configured = ctx.state.config.signout_redirect_url;
  const asked = ctx.url.searchParams.get('pomerium_redirect_uri');
  if (asked && ctx.state.config.runtime_flags.allow_any_sign_out_redirect_uri) {
    url.searchParams.set(
      'pomerium_redirect_uri',
      checkRedirectTarget(asked, (u) => isOwnHost(ctx, u)).toString(),
    );
  } else if (configured) {
    url.searchParams.set('pomerium_redirect_uri', configured);
  }
  if (handle) url.searchParams.set('pomerium_session_id', handle.jti);
  ctx.log.info({ event: 'sign_out', host: ctx.hostname }, 'route host sign-out');
  return redirect(ctx.res, signUrl(url, ctx.state.keys.urlKey, ctx.now), {
    // every copy goes: ours, and any on a parent domain (a way out of DUPLICATE_SESSION_COOKIE)
    cookies: [
      clearCookie(ctx, ctx.state.config.cookie_name),
      ...clearPlantedCookies(ctx, ctx.state.config.cookie_name),
    ],
  });
}

/** `/.pomerium/sign_out` on the authenticate host. */
export async function handleAuthenticateSignOut(ctx: RequestContext): Promise<void> {
  checkMethod(ctx);
  if (ctx.method === 'POST') await readForm(ctx.req);
  const verified = verifySignedUrl(ctx.url, ctx.state.keys.urlKey, ctx.now);
  if (!verified.ok) return confirm(ctx);
  const q = verified.url.searchParams;
  const ids = new Set<string>();
  const own = signedOutAnyway(() => readAuthenticateHandle(ctx));
  if (own) ids.add(own.jti);
  const fromRoute = q.get('pomerium_session_id');
  if (fromRoute) ids.add(fromRoute);

  let idTokenHint: string | undefined;
  let idpId: string | undefined;
  for (const id of ids) {
    const record = await ctx.deps.store.get('session', id);
    if (record?.data) {
      idTokenHint ??= record.data.id_token?.raw;
      idpId ??= record.data.idp_id;
      await revoke(ctx, record.data);
    }
    await ctx.deps.store.delete('session', id);
  }
  ctx.log.info({ event: 'signed_out', sessions: [...ids] }, 'sessions deleted');

  const signedOut = new URL('/.pomerium/signed_out', ctx.state.authenticateUrl).toString();
  const configured = ctx.state.config.signout_redirect_url;
  const askedRaw = q.get('pomerium_redirect_uri');
  const asked = askedRaw
    ? checkRedirectTarget(
        askedRaw,
        (u) =>
          isOwnHost(ctx, u) || (configured !== undefined && u.href === new URL(configured).href),
      ).toString()
    : undefined;
  const cookies = [clearAuthenticateCookie(ctx)];
  const idp = idpId ? ctx.state.idps.get(idpId) : undefined;
  if (idp && idTokenHint) {
    try {
      const end = await idp.endSessionUrl(idTokenHint, asked ?? signedOut);
      if (end) return redirect(ctx.res, end, { cookies });
    } catch (error) {
      ctx.log.warn(
        { event: 'end_session_failed', code: (error as { code?: string }).code },
        'IdP logout unavailable',
      );
    }
  }
  return redirect(ctx.res, asked ?? signedOut, { cookies });
}

async function revoke(ctx: RequestContext, session: Session): Promise<void> {
  const idp = ctx.state.idps.get(session.idp_id);
  const token = session.oauth_token;
  if (!idp || !token) return;
  try {
    if (token.refresh_token) await idp.revoke(token.refresh_token, 'refresh_token');
    else if (token.access_token) await idp.revoke(token.access_token, 'access_token');
  } catch (error) {
    ctx.log.warn(
      { event: 'revoke_failed', code: (error as { code?: string }).code },
      'token revocation failed',
    );
  }
}

function confirm(ctx: RequestContext): void {
  const action = signUrl(
    new URL(SIGN_OUT, ctx.state.authenticateUrl),
    ctx.state.keys.urlKey,
    ctx.now,
  );
  sendHtml(
    ctx.res,
    200,
    renderPage(
      'Sign out?',
      `<p class="lead">Do you want to sign out of every application?</p>
<form method="post" action="${escapeHtml(action)}"><ul class="actions"><li><button class="button" id="sign-out" type="submit">Sign out</button></li><li><a class="button secondary" href="/.pomerium/">Stay signed in</a></li></ul></form>`,
      themeOf(ctx.state.config),
    ),
  );
}

/** `/.pomerium/signed_out`: the page after signing out (the IdP session has ended too). */
export async function handleSignedOut(ctx: RequestContext): Promise<void> {
  sendHtml(
    ctx.res,
    200,
    renderPage(
      'You are signed out',
      `<p class="lead" id="signed-out">You have been signed out of every application.</p>
<p>The next time you open an application you will be asked to sign in again, with any account you choose. You can close this window.</p>`,
      themeOf(ctx.state.config),
    ),
  );
}

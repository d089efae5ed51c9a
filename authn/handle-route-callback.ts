// GET /.pomerium/callback/ on a route host (docs/pomerium-behaviour.md §3.3 step 6, §3.7, §3.8): only a signed
// URL with a payload sealed for this host sets the `_pomerium` cookie; then on to the next
// depends_on host, the programmatic client (with pomerium_jwt), or the original URL.
import { openPayload, verifySessionHandle, verifySignedUrl } from '../wire/index.js';
import { fail } from './lib/authn-error.js';
import { checkRedirectTarget, isWhitelistedProgrammaticHost } from './lib/check-redirect-target.js';
import { callbackPurpose, signedCallbackUrl } from './lib/issue-callback-redirect.js';
import { isOwnHost } from './lib/read-login-target.js';
import type { RequestContext } from './lib/request-context.js';
import { redirect } from './lib/send-response.js';
import { clearPlantedCookies, sessionCookie } from './lib/session-cookie.js';

export async function handleRouteCallback(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'GET') throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET');
  const verified = verifySignedUrl(ctx.url, ctx.state.keys.urlKey, ctx.now);
  if (!verified.ok) throw fail(verified.code, 'the callback link is not valid');
  const q = verified.url.searchParams;
  const jwt = openPayload(
    ctx.state.keys.payloadKey,
    q.get('pomerium_session_encrypted') ?? '',
    callbackPurpose(ctx.hostname),
  );
  const handle = verifySessionHandle(jwt, ctx.state.keys.sessionKey, { now: ctx.now });
  const programmatic = q.get('pomerium_programmatic') === 'true';
  const whitelist = ctx.state.config.programmatic_redirect_domain_whitelist;
  const target = checkRedirectTarget(q.get('pomerium_redirect_uri'), (u) =>
    programmatic ? isWhitelistedProgrammaticHost(u, whitelist) : isOwnHost(ctx, u),
  );
  // our cookie replaces the host's; copies planted on a parent domain are cleared
  ctx.setCookies.push(
    sessionCookie(ctx, ctx.state.config.cookie_name, jwt, handle.exp * 1000),
    ...clearPlantedCookies(ctx, ctx.state.config.cookie_name),
  );

  const remaining = (q.get('pomerium_additional_hosts') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (remaining.length > 5) throw fail('AUTHN_BAD_REQUEST', 'too many additional hosts');
  const next = remaining.shift();
  if (next) {
    const nextUrl = checkRedirectTarget(`${ctx.url.protocol}//${next}/.pomerium/callback/`, (u) =>
      ctx.state.isRouteHost(u.hostname.toLowerCase()),
    );
    const params: Record<string, string> = { pomerium_redirect_uri: target.toString() };
    if (programmatic) params.pomerium_programmatic = 'true';
    if (remaining.length > 0) params.pomerium_additional_hosts = remaining.join(',');
    return redirect(ctx.res, signedCallbackUrl(ctx, nextUrl, jwt, params), {
      cookies: ctx.setCookies,
    });
  }
  if (programmatic) target.searchParams.set('pomerium_jwt', jwt);
  ctx.log.info(
    { event: 'callback', session: handle.jti, host: ctx.hostname },
    'session cookie set',
  );
  return redirect(ctx.res, target.toString(), { cookies: ctx.setCookies });
}

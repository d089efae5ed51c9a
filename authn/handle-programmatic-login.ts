// GET /.pomerium/api/v1/login on a route host (docs/pomerium-behaviour.md §3.7): returns, as text, the signed
// sign-in URL for a CLI whose redirect target is in programmatic_redirect_domain_whitelist.
import { buildSignInUrl } from '../wire/index.js';
import { fail } from './lib/authn-error.js';
import { checkRedirectTarget, isWhitelistedProgrammaticHost } from './lib/check-redirect-target.js';
import type { RequestContext } from './lib/request-context.js';
import { sendText } from './lib/send-response.js';

export async function handleProgrammaticLogin(ctx: RequestContext): Promise<void> {
  if (ctx.method !== 'GET') throw fail('AUTHN_METHOD_NOT_ALLOWED', 'use GET');
  const raw = ctx.url.searchParams.get('pomerium_redirect_uri');
  if (raw === null) throw fail('AUTHN_NOT_FOUND', 'missing pomerium_redirect_uri');
  const whitelist = ctx.state.config.programmatic_redirect_domain_whitelist;
  const redirectUri = checkRedirectTarget(raw, (u) => isWhitelistedProgrammaticHost(u, whitelist));
  const route = ctx.state.routeForHost(ctx.hostname);
  const url = buildSignInUrl({
    authenticateUrl: ctx.state.authenticateUrl,
    redirectUri,
    idpId: ctx.state.idpIdFor(route),
    callbackUri: new URL('/.pomerium/callback/', ctx.url.origin),
    programmatic: true,
    key: ctx.state.keys.urlKey,
    now: ctx.now,
  });
  sendText(ctx.res, 200, url);
}

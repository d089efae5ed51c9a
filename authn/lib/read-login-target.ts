// The params of a verified sign-in URL become a LoginTarget only if every host in it is ours:
// redirect on a route/authenticate host (programmatic: whitelisted), callback and depends_on
// hosts on route hosts, at most five extra hosts, a known identity provider.
import { fail } from './authn-error.js';
import { checkRedirectTarget, isWhitelistedProgrammaticHost } from './check-redirect-target.js';
import type { LoginTarget } from './login-state.js';
import type { RequestContext } from './request-context.js';

/** A redirect to one of our own hosts (route hosts and the authenticate host). */
export function isOwnHost(ctx: RequestContext, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === ctx.state.authenticateHost || ctx.state.isRouteHost(host);
}

const HOST_ITEM = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

export function readLoginTarget(ctx: RequestContext, params: URLSearchParams): LoginTarget {
  const programmatic = params.get('pomerium_programmatic') === 'true';
  const whitelist = ctx.state.config.programmatic_redirect_domain_whitelist;
  const redirect = checkRedirectTarget(params.get('pomerium_redirect_uri'), (u) =>
    programmatic ? isWhitelistedProgrammaticHost(u, whitelist) : isOwnHost(ctx, u),
  );
  const idpId = params.get('pomerium_idp_id') || ctx.state.defaultIdpId;
  if (!ctx.state.idps.has(idpId)) throw fail('AUTHN_BAD_REQUEST', 'unknown identity provider');
  const additionalHosts = (params.get('pomerium_additional_hosts') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (additionalHosts.length > 5) throw fail('AUTHN_BAD_REQUEST', 'too many additional hosts');
  for (const h of additionalHosts) {
    if (!HOST_ITEM.test(h) || !ctx.state.isRouteHost(h.replace(/:\d+$/, '').toLowerCase())) {
      throw fail('AUTHN_REDIRECT_INVALID', 'additional host is not a route host');
    }
  }
  const rawCallback = params.get('pomerium_callback_uri');
  let callbackUri: string | undefined;
  if (rawCallback !== null) {
    callbackUri = checkRedirectTarget(
      rawCallback,
      (u) =>
        ctx.state.isRouteHost(u.hostname.toLowerCase()) && u.pathname === '/.pomerium/callback/',
    ).toString();
  }
  if (programmatic && !callbackUri)
    throw fail('AUTHN_BAD_REQUEST', 'programmatic login needs a callback');
  return {
    redirectUri: redirect.toString(),
    idpId,
    additionalHosts,
    ...(callbackUri ? { callbackUri } : {}),
    programmatic,
  };
}

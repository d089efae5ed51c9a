// The session handle cookies: `cookie_name` on route hosts (configured attributes), and the
// authenticate host's own (`__Host-_pomerium_authenticate` when Secure: host-only, Path=/).
// Max-Age = min(cookie_expire, time left in the session). A sign-in also clears copies of the
// route cookie that a sibling subdomain may have planted on a parent domain.
import type { CookiePair } from '../../wire/index.js';
import { type CookieOptions, serializeCookie } from './cookies.js';
import type { RequestContext } from './request-context.js';

export function sessionCookie(
  ctx: RequestContext,
  name: string,
  jwt: string,
  sessionExpiresAt: number,
  base: Omit<CookieOptions, 'maxAge'> = ctx.state.cookieBase,
): string {
  const left = Math.floor((sessionExpiresAt - ctx.now) / 1000);
  const options: CookieOptions = {
    ...base,
    maxAge: Math.max(0, Math.min(Math.floor(ctx.state.sessionTtlMs / 1000), left)),
  };
  return serializeCookie(name, jwt, options);
}

/** The authenticate host's session cookie. */
export function authenticateCookie(ctx: RequestContext, jwt: string, expiresAt: number): string {
  return sessionCookie(
    ctx,
    ctx.state.cookieNames.authenticate,
    jwt,
    expiresAt,
    ctx.state.hostCookieBase,
  );
}

export function clearCookie(ctx: RequestContext, name: string): string {
  return serializeCookie(name, '', { ...ctx.state.cookieBase, maxAge: 0 });
}

export function clearAuthenticateCookie(ctx: RequestContext): string {
  return serializeCookie(ctx.state.cookieNames.authenticate, '', {
    ...ctx.state.hostCookieBase,
    maxAge: 0,
  });
}

/**
 * When the request carried cookie `name`, clearing Set-Cookies for it on every parent domain of
 * this host (where a sibling could have planted one) except the configured cookie_domain, which
 * our own cookie is about to overwrite. Browsers ignore the ones for public suffixes.
 */
export function clearPlantedCookies(
  ctx: RequestContext,
  name: string,
  cookies: readonly CookiePair[] = ctx.cookies,
): string[] {
  // a __Host- cookie cannot be set with a Domain, so it cannot have been planted from a sibling
  if (name.startsWith('__Host-') || !cookies.some((c) => c.name === name)) return [];
  if (/^[0-9.]+$|^\[/.test(ctx.hostname)) return [];
  const own = (ctx.state.cookieBase.domain ?? '').replace(/^\./, '').toLowerCase();
  const labels = ctx.hostname.split('.');
  const out: string[] = [];
  for (let i = 1; i < labels.length - 1 && out.length < 4; i++) {
    const domain = labels.slice(i).join('.');
    if (domain === own) continue;
    out.push(serializeCookie(name, '', { ...ctx.state.cookieBase, domain, maxAge: 0 }));
  }
  return out;
}

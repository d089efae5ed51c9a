// The session handle cookie (`_pomerium` on route hosts, `_pomerium_authenticate` on the
// authenticate host): configured attributes, Max-Age = min(cookie_expire, time left in session).
import { type CookieOptions, serializeCookie } from './cookies.js';
import type { RequestContext } from './request-context.js';

export function sessionCookie(
  ctx: RequestContext,
  name: string,
  jwt: string,
  sessionExpiresAt: number,
): string {
  const left = Math.floor((sessionExpiresAt - ctx.now) / 1000);
  const options: CookieOptions = {
    ...ctx.state.cookieBase,
    maxAge: Math.max(0, Math.min(Math.floor(ctx.state.sessionTtlMs / 1000), left)),
  };
  return serializeCookie(name, jwt, options);
}

export function clearCookie(ctx: RequestContext, name: string): string {
  return serializeCookie(name, '', { ...ctx.state.cookieBase, maxAge: 0 });
}

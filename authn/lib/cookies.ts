// Set-Cookie serialisation with the configured attributes (docs/pomerium-behaviour.md §3.1;
// SameSite=Lax by default), the names of the authenticate host's cookies (`__Host-` when
// Secure: a sibling subdomain cannot plant them), and reading one cookie strictly: the same
// name with two different values is refused (DUPLICATE_SESSION_COOKIE), never merged. Parsing
// itself is a wire rule (wire/parse-cookies.ts). Values are never logged.
import { type CookiePair, sessionCookieValues } from '../../wire/index.js';
import { fail } from './authn-error.js';

export interface CookieOptions {
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none' | undefined;
  readonly domain: string | undefined;
  readonly path: string;
  /** Seconds; 0 clears the cookie. */
  readonly maxAge: number;
}

export interface AuthenticateCookieNames {
  /** The authenticate session handle. */
  readonly authenticate: string;
  /** CSRF token binding `state` to this browser. */
  readonly csrf: string;
  /** Prefix of the one-time PKCE/nonce cookie of each login flow. */
  readonly pkcePrefix: string;
  /** The user info page's "back" link. */
  readonly back: string;
}

/** `__Host-` prefixed names when cookies are Secure; plain-HTTP development keeps bare names. */
export function authenticateCookieNames(secure: boolean): AuthenticateCookieNames {
  const p = secure ? '__Host-' : '';
  return {
    authenticate: `${p}_pomerium_authenticate`,
    csrf: `${p}_pomerium_csrf`,
    pkcePrefix: `${p}_pomerium_pkce_`,
    back: `${p}pomerium_redirect_uri`,
  };
}

/**
 * The one value of cookie `name`, or undefined. Two different non-empty values mean one was
 * planted (cookie tossing): refused with DUPLICATE_SESSION_COOKIE (400).
 */
export function readCookie(
  ctx: { readonly cookies: readonly CookiePair[] },
  name: string,
): string | undefined {
  const values = sessionCookieValues(ctx.cookies, name);
  if (values.length > 1) {
    throw fail(
      'DUPLICATE_SESSION_COOKIE',
      `two different ${name} cookies were sent; clear this site's cookies and sign in again`,
    );
  }
  return values[0];
}

const SAFE_VALUE = /^[A-Za-z0-9!#$%&'()*+\-./:<=>?@[\]^_`{|}~]*$/;

/** One Set-Cookie header value. Throws on values that would need quoting (never produced). */
export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  if (!SAFE_VALUE.test(value)) throw new TypeError(`cookie ${name} has an unsafe value`);
  if (name.startsWith('__Host-') && (!o.secure || o.domain || o.path !== '/')) {
    throw new TypeError(`cookie ${name} needs Secure, Path=/ and no Domain`);
  }
  const parts = [`${name}=${value}`, `Path=${o.path}`];
  if (o.domain) parts.push(`Domain=${o.domain}`);
  parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAge))}`);
  if (o.maxAge <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (o.secure) parts.push('Secure');
  if (o.httpOnly) parts.push('HttpOnly');
  if (o.sameSite) parts.push(`SameSite=${o.sameSite[0]?.toUpperCase()}${o.sameSite.slice(1)}`);
  return parts.join('; ');
}

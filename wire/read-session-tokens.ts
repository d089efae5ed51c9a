// Where a session token may come from, and in which order (docs/pomerium-behaviour.md §3.5
// step 4): our cookie, `X-Pomerium-Authorization: <jwt>`, `Authorization: Pomerium <jwt>`,
// `Authorization: Bearer Pomerium-<jwt>`, then the `pomerium_session` query parameter. A request
// whose session cookie appears with two different values is refused (cookie tossing), never
// resolved by picking one.
import type { CookiePair } from './parse-cookies.js';

export type TokenSource =
  | 'cookie'
  | 'x-pomerium-authorization'
  | 'authorization'
  | 'bearer'
  | 'query';

export interface TokenCandidate {
  readonly source: TokenSource;
  readonly token: string;
}

/** `pomerium_session` values of a raw query string. */
export function queryTokens(rawQuery: string): string[] {
  const out: string[] = [];
  if (rawQuery === '' || !rawQuery.includes('pomerium_session')) return out;
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const k = eq === -1 ? pair : pair.slice(0, eq);
    let key: string;
    try {
      key = decodeURIComponent(k.replace(/\+/g, ' '));
    } catch {
      continue;
    }
    if (key !== 'pomerium_session' || eq === -1) continue;
    try {
      out.push(decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' ')));
    } catch {
      // not decodable: not a token
    }
  }
  return out;
}

const POMERIUM_SCHEME = /^pomerium\s+(\S+)\s*$/i;
const BEARER_POMERIUM = /^bearer\s+pomerium-(\S+)\s*$/i;
/** Any Authorization in one of our forms, even malformed (it never reaches an upstream). */
export const OUR_AUTHORIZATION = /^\s*(pomerium(\s|$)|bearer\s+pomerium-)/i;

/** Our token in an Authorization header (schemes are case-insensitive), or null. */
export function ourAuthorization(value: string): TokenCandidate | null {
  const p = POMERIUM_SCHEME.exec(value);
  if (p) return { source: 'authorization', token: p[1] as string };
  const b = BEARER_POMERIUM.exec(value);
  if (b) return { source: 'bearer', token: b[1] as string };
  return null;
}

const BEARER_IDP = /^bearer\s+(\S+)\s*$/i;

/**
 * An IdP-issued token in `Authorization: Bearer <token>` (bearer_token_format idp_access_token
 * or idp_identity_token, docs/pomerium-behaviour.md §3.5 step 3), or null; never our own
 * `Bearer Pomerium-` form.
 */
export function idpBearerToken(value: string | undefined): string | null {
  if (value === undefined || BEARER_POMERIUM.test(value)) return null;
  const m = BEARER_IDP.exec(value);
  return m ? (m[1] as string) : null;
}

/** True when the request carries a Pomerium token in a header or the query (an API client). */
export function hasPomeriumToken(
  headers: Readonly<Record<string, string | undefined>>,
  rawQuery: string,
): boolean {
  if (headers['x-pomerium-authorization'] !== undefined) return true;
  const auth = headers.authorization;
  if (auth !== undefined && (/^pomerium\s/i.test(auth) || /^bearer\s+pomerium-/i.test(auth))) {
    return true;
  }
  if (rawQuery === '') return false;
  return rawQuery.split('&').some((kv) => kv.split('=')[0] === 'pomerium_session');
}

/**
 * The distinct non-empty values of the session cookie `name`; more than one means the browser
 * holds cookies set from different places (a sibling domain planting one) and the request is
 * refused with DUPLICATE_SESSION_COOKIE.
 */
export function sessionCookieValues(cookies: readonly CookiePair[], name: string): string[] {
  const out: string[] = [];
  for (const c of cookies) {
    if (c.name === name && c.value !== '' && !out.includes(c.value)) out.push(c.value);
  }
  return out;
}

/** The token candidates of a request, in the order they are tried (first that verifies wins). */
export function readSessionTokens(
  cookieName: string,
  cookies: readonly CookiePair[],
  headers: Readonly<Record<string, string | undefined>>,
  rawQuery: string,
): TokenCandidate[] {
  const out: TokenCandidate[] = [];
  for (const value of sessionCookieValues(cookies, cookieName)) {
    out.push({ source: 'cookie', token: value });
  }
  const x = headers['x-pomerium-authorization'];
  if (x) out.push({ source: 'x-pomerium-authorization', token: x.trim() });
  const ours = ourAuthorization(headers.authorization ?? '');
  if (ours !== null) out.push(ours);
  for (const t of queryTokens(rawQuery)) out.push({ source: 'query', token: t });
  return out;
}

// Signed URLs (docs/pomerium-behaviour.md §3.2): every cross-host hop carries pomerium_issued, pomerium_expiry and
// an HMAC-SHA-512/256 pomerium_signature over the canonical https URL with a sorted query.
import { createHmac } from 'node:crypto';

export const ISSUED_PARAM = 'pomerium_issued';
export const EXPIRY_PARAM = 'pomerium_expiry';
export const SIGNATURE_PARAM = 'pomerium_signature';

/** Default validity of a signed URL. */
export const SIGNED_URL_TTL_MS = 5 * 60_000;

const DOMAIN = 'portcullis signed-url v1\n';

/**
 * The canonical form the MAC covers: scheme forced to `https`, host (default port dropped), path,
 * and the query without `pomerium_signature`, keys sorted (stable), form-encoded; no fragment.
 */
export function canonicalSignedUrl(url: URL): string {
  const params = new URLSearchParams(url.search);
  params.delete(SIGNATURE_PARAM);
  params.sort();
  const host = url.port === '443' || url.port === '' ? url.hostname : `${url.hostname}:${url.port}`;
  const query = params.toString();
  return `https://${host}${url.pathname}${query ? `?${query}` : ''}`;
}

/** HMAC-SHA-512/256 of the canonical URL, base64url without padding. */
export function macSignedUrl(canonical: string, key: Uint8Array): string {
  return createHmac('sha512-256', key).update(DOMAIN).update(canonical).digest('base64url');
}

/**
 * Signs an absolute URL: sets `pomerium_issued` = now, `pomerium_expiry` = now + ttl (unix
 * seconds) and `pomerium_signature`, query sorted. Any previous signature params are replaced.
 * The scheme is kept as given (the MAC always covers `https`).
 *
 * @param now epoch milliseconds (default `Date.now()`)
 * @example signUrl('https://auth.example.com/.pomerium/sign_in?pomerium_redirect_uri=…', keys.urlKey)
 */
export function signUrl(
  url: string | URL,
  key: Uint8Array,
  now: number = Date.now(),
  ttlMs: number = SIGNED_URL_TTL_MS,
): string {
  const u = new URL(String(url));
  u.hash = '';
  const params = new URLSearchParams(u.search);
  params.delete(SIGNATURE_PARAM);
  const issued = Math.floor(now / 1000);
  params.set(ISSUED_PARAM, String(issued));
  params.set(EXPIRY_PARAM, String(issued + Math.ceil(ttlMs / 1000)));
  params.sort();
  u.search = params.toString();
  params.append(SIGNATURE_PARAM, macSignedUrl(canonicalSignedUrl(u), key));
  params.sort();
  u.search = params.toString();
  return u.toString();
}

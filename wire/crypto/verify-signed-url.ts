// Verifies a signed URL (docs/pomerium-behaviour.md §3.2): scheme forced to https, constant-time MAC check,
// issued/expiry with one minute of leeway. Returns a typed code instead of throwing.
import { timingSafeEqual } from 'node:crypto';
import {
  canonicalSignedUrl,
  EXPIRY_PARAM,
  ISSUED_PARAM,
  macSignedUrl,
  SIGNATURE_PARAM,
} from './sign-url.js';

/** Why a signed URL was refused. */
export type SignedUrlErrorCode =
  | 'SIGNED_URL_MISSING'
  | 'SIGNED_URL_MALFORMED'
  | 'SIGNED_URL_EXPIRED'
  | 'SIGNED_URL_NOT_YET_VALID'
  | 'SIGNED_URL_INVALID';

export type SignedUrlResult =
  | {
      readonly ok: true;
      /** The https URL with the three signature params removed (read your params from here). */
      readonly url: URL;
      /** Epoch ms. */
      readonly issuedAt: number;
      /** Epoch ms. */
      readonly expiresAt: number;
    }
  | { readonly ok: false; readonly code: SignedUrlErrorCode };

/** Clock skew tolerated on both ends. */
export const SIGNED_URL_LEEWAY_MS = 60_000;

const INT = /^[0-9]{1,12}$/;

/**
 * Verifies a URL produced by `signUrl`. Pass the URL as received, e.g.
 * `https://${host header}${request path+query}`; the scheme is forced to https either way.
 *
 * @param now epoch milliseconds (default `Date.now()`)
 * @example
 * const r = verifySignedUrl(`https://${req.headers.host}${req.url}`, keys.urlKey);
 * if (!r.ok) return reply(400, r.code);
 */
export function verifySignedUrl(
  url: string | URL,
  key: Uint8Array,
  now: number = Date.now(),
): SignedUrlResult {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return { ok: false, code: 'SIGNED_URL_MALFORMED' };
  }
  const params = new URLSearchParams(u.search);
  const signatures = params.getAll(SIGNATURE_PARAM);
  if (signatures.length === 0) return { ok: false, code: 'SIGNED_URL_MISSING' };
  const issuedRaw = params.getAll(ISSUED_PARAM);
  const expiryRaw = params.getAll(EXPIRY_PARAM);
  if (
    signatures.length !== 1 ||
    issuedRaw.length !== 1 ||
    expiryRaw.length !== 1 ||
    !INT.test(issuedRaw[0] as string) ||
    !INT.test(expiryRaw[0] as string)
  ) {
    return { ok: false, code: 'SIGNED_URL_MALFORMED' };
  }
  const expected = Buffer.from(macSignedUrl(canonicalSignedUrl(u), key));
  const given = Buffer.from(signatures[0] as string);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: 'SIGNED_URL_INVALID' };
  }
  const issuedAt = Number(issuedRaw[0]) * 1000;
  const expiresAt = Number(expiryRaw[0]) * 1000;
  if (now - SIGNED_URL_LEEWAY_MS > expiresAt) return { ok: false, code: 'SIGNED_URL_EXPIRED' };
  if (now + SIGNED_URL_LEEWAY_MS < issuedAt) return { ok: false, code: 'SIGNED_URL_NOT_YET_VALID' };
  params.delete(SIGNATURE_PARAM);
  params.delete(ISSUED_PARAM);
  params.delete(EXPIRY_PARAM);
  const clean = new URL(`https://${u.host}${u.pathname}`);
  clean.search = params.toString();
  return { ok: true, url: clean, issuedAt, expiresAt };
}

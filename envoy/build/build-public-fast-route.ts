// Routes whose answer does not depend on the request skip the Check (docs/public-routes.md): a
// public route (allow_public_unauthenticated_access) answered by Envoy itself (`response:` or
// `redirect:`) that sets nothing from an identity gets, just before its normal route, a copy
// with ext_authz disabled. That copy only matches requests
// authz would pass unchanged apart from what Envoy itself strips: no session token in any form
// (cookie, Authorization, X-Pomerium-Authorization, `pomerium_session` query), a canonical path
// and a well-formed authority. Any other request falls through to the normal route and its Check.
// This file is the rule's one home: which routes qualify, and the guards of the copy.
import type { Config, Route } from '../../config/index.js';
import type { Json } from '../lib/envoy-values.js';
import { buildExtAuthzPerRoute } from './build-ext-authz-filter.js';

/**
 * Route keys that never make authz's answer depend on the request or add anything to it. Every
 * other key, set to anything but its empty default, disqualifies the route (a key added to the
 * schema later therefore disqualifies until it is judged and listed here).
 */
const NEUTRAL_KEYS: ReadonlySet<string> = new Set([
  'id',
  'name',
  'description',
  'logo_url',
  'from',
  'to',
  'redirect',
  'response',
  'prefix',
  'path',
  'regex',
  'regex_priority_order',
  'load_balancing_policy', // ring_hash/maglev: authz sets a routing key from the session (below)
  'health_checks',
  'outlier_detection',
  'healthy_panic_threshold',
  'circuit_breaker_thresholds',
  'prefix_rewrite',
  'regex_rewrite_pattern',
  'regex_rewrite_substitution',
  'host_rewrite',
  'host_rewrite_header',
  'host_path_regex_rewrite_pattern',
  'host_path_regex_rewrite_substitution',
  'preserve_host_header',
  'remove_request_headers',
  'set_response_headers',
  'rewrite_response_headers',
  'pass_identity_headers', // must be off in effect (below)
  'jwt_issuer_format',
  'jwt_groups_filter',
  'timeout',
  'idle_timeout',
  'allow_websockets',
  'allow_spdy',
  'allow_upgrades',
  'allow_link_local_upstream',
  'tls_skip_verify',
  'tls_server_name',
  'tls_upstream_server_name',
  'tls_custom_ca',
  'tls_custom_ca_file',
  'tls_client_cert',
  'tls_client_key',
  'tls_client_cert_file',
  'tls_client_key_file',
  'tls_upstream_allow_renegotiation',
  'allow_public_unauthenticated_access',
  'cors_allow_preflight',
  'show_error_details',
]);

/** Whether a route value is set: not undefined/null/false/'' and not an empty list or map. */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * Why a route needs its Check on every request (null: it qualifies for the fast path). Reasons
 * are for tests and docs; the first one found is given.
 */
export function publicFastPathBlocker(route: Route, config: Config): string | null {
  if (route.allow_public_unauthenticated_access !== true) return 'not public';
  // Forwarded requests keep their Check: authz strips client-forged header families by prefix
  // (`x-pomerium-claim-*`, `impersonate-extra-*`: config/edge/client-headers.ts), which Envoy's
  // route-level header removal (exact names only) cannot do. Envoy answers the others itself.
  if (route.response === undefined && route.redirect === undefined) {
    return 'forwards to an upstream';
  }
  for (const [key, value] of Object.entries(route)) {
    if (!NEUTRAL_KEYS.has(key) && isSet(value)) return `sets ${key}`;
  }
  if (route.pass_identity_headers ?? config.pass_identity_headers) {
    return 'passes identity headers';
  }
  if (route.load_balancing_policy === 'ring_hash' || route.load_balancing_policy === 'maglev') {
    return 'routing key from the session';
  }
  const mtls = config.downstream_mtls;
  if (isSet(mtls?.ca) || isSet(mtls?.ca_file)) return 'client certificates (downstream_mtls)';
  return null;
}

// What authz refuses with 400 or reads a token from, as RE2 over `:path` (path and query; Envoy
// matches a safe_regex against the whole value): a path that is not absolute, a percent escape,
// `;` or a backslash in the path, a dot segment, or `pomerium_session` anywhere. Matching more
// than authz refuses is safe (that request just gets its Check); matching less is not.
// config/edge/canonical-path.ts is the rule itself.
const SUSPECT_PATH = String.raw`[^/].*|[^?]*[%;\\].*|[^?]*/\.\.?([/?].*)?|.*pomerium_session.*`;
// The authority authz accepts (config/edge/check-authority.ts), port at most 65535.
const PORT =
  '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|0[0-9]{4}|[0-9]{1,4})';
const GOOD_AUTHORITY = String.raw`(?i)([a-z0-9_][a-z0-9_-]{0,62}(\.[a-z0-9_][a-z0-9_-]{0,62})*\.?|\[[0-9a-f:.]+\])(:${PORT})?`;
// wire/read-session-tokens.ts OUR_AUTHORIZATION (a prefix rule there, a whole-value one here).
const OUR_AUTHORIZATION = String.raw`(?i)\s*(pomerium(\s.*)?|bearer\s+pomerium-.*)`;

/** Headers authz removes on such a route that the normal route does not already remove. */
const ALSO_REMOVED = ['x-pomerium-routing-key', 'x-pomerium-authorization'];

/**
 * The ext_authz-free copy of a qualifying route's Envoy route (`normal`, from buildPolicyRoute),
 * to be placed just before it.
 */
export function buildPublicFastRoute(normal: Json, config: Config): Json {
  const match = normal.match as Json;
  const guards: Json[] = [
    {
      name: ':path',
      string_match: { safe_regex: { regex: SUSPECT_PATH } },
      invert_match: true,
    },
    { name: ':authority', string_match: { safe_regex: { regex: GOOD_AUTHORITY } } },
    {
      name: 'cookie',
      string_match: { contains: config.cookie_name },
      invert_match: true,
      treat_missing_header_as_empty: true,
    },
    {
      name: 'authorization',
      string_match: { safe_regex: { regex: OUR_AUTHORIZATION } },
      invert_match: true,
      treat_missing_header_as_empty: true,
    },
    { name: 'x-pomerium-authorization', present_match: false },
  ];
  const removed = normal.request_headers_to_remove as string[];
  return {
    ...normal,
    name: `${String(normal.name)}-public`,
    match: { ...match, headers: [...((match.headers as Json[] | undefined) ?? []), ...guards] },
    request_headers_to_remove: [...new Set([...removed, ...ALSO_REMOVED])],
    typed_per_filter_config: buildExtAuthzPerRoute({ disabled: true }),
  };
}

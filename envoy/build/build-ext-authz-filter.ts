// The ext_authz HTTP filter (docs/pomerium-behaviour.md §7.4, docs/architecture.md): gRPC to portcullis-authorize, fail
// closed (failure_mode_allow false, 503 on error), V3, peer certificate included, timeout =
// grpc_client_timeout, only the request headers authz needs (lib/authz-allowed-headers.ts, no
// body); and its per-route settings: a policy route's context_extensions, an
// internal route's, or disabled.
import type { Config } from '../../config/index.js';
import { authzAllowedHeaders } from '../lib/authz-allowed-headers.js';
import { authzRetryPolicy } from '../lib/authz-resilience.js';
import { duration, type Json } from '../lib/envoy-values.js';
import { AUTHZ_CLUSTER, EXT_AUTHZ_FILTER, TYPES } from '../lib/names.js';

export function buildExtAuthzFilter(
  config: Pick<
    Config,
    'grpc_client_timeout' | 'jwt_claims_headers' | 'authorize_log_fields' | 'routes'
  >,
): Json {
  const timeout = config.grpc_client_timeout > 0 ? config.grpc_client_timeout : 30_000;
  return {
    name: EXT_AUTHZ_FILTER,
    typed_config: {
      '@type': TYPES.extAuthz,
      grpc_service: {
        envoy_grpc: { cluster_name: AUTHZ_CLUSTER },
        timeout: duration(timeout),
        retry_policy: authzRetryPolicy(duration(timeout) as string),
      },
      transport_api_version: 'V3',
      failure_mode_allow: false,
      status_on_error: { code: 'ServiceUnavailable' },
      include_peer_certificate: true,
      allowed_headers: authzAllowedHeaders(config),
    },
  };
}

export type AuthzRouteKind =
  | { readonly routeId: string; readonly maxRequestBytes?: number | null }
  | { readonly internal: true }
  | { readonly disabled: true };

/** `typed_per_filter_config` of a route. */
export function buildExtAuthzPerRoute(kind: AuthzRouteKind): Json {
  let config: Json;
  if ('disabled' in kind) config = { '@type': TYPES.extAuthzPerRoute, disabled: true };
  else {
    const context_extensions =
      'internal' in kind
        ? { internal: 'true', route_id: '' }
        : { internal: 'false', route_id: kind.routeId };
    // MCP server routes: authz reads the JSON-RPC body; a larger one is Envoy's 413 (docs/mcp.md)
    const max = 'routeId' in kind ? kind.maxRequestBytes : null;
    const with_request_body =
      max == null ? undefined : { max_request_bytes: max, allow_partial_message: false };
    config = {
      '@type': TYPES.extAuthzPerRoute,
      check_settings: with_request_body
        ? { context_extensions, with_request_body }
        : { context_extensions },
    };
  }
  return { [EXT_AUTHZ_FILTER]: config };
}

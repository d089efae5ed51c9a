// The ext_proc HTTP filter of MCP server routes (docs/mcp.md "tools/list shows only the tools you
// may call"): after ext_authz, gRPC to portcullis-authorize (authz/mcp/ext-proc-service.ts),
// fail closed. It is in the chain only when a route has `mcp: server:`, disabled by default and
// turned on by those routes alone; it sees request headers (authz's tools/list ticket) and, for
// a tools/list only (mode override), the response headers and the whole buffered response body.
import type { Config } from '../../config/index.js';
import { duration, type Json } from '../lib/envoy-values.js';
import { AUTHZ_CLUSTER, EXT_PROC_FILTER, TYPES } from '../lib/names.js';

/** Whether any route fronts an MCP server. */
export function hasMcpServerRoute(config: Pick<Config, 'routes'>): boolean {
  return config.routes.some((r) => r.mcp?.server !== undefined);
}

/** The filter (zero or one) to put after ext_authz. */
export function buildExtProcFilters(
  config: Pick<Config, 'routes' | 'grpc_client_timeout'>,
): Json[] {
  if (!hasMcpServerRoute(config)) return [];
  const timeout = config.grpc_client_timeout > 0 ? config.grpc_client_timeout : 30_000;
  return [
    {
      name: EXT_PROC_FILTER,
      disabled: true,
      typed_config: {
        '@type': TYPES.extProc,
        grpc_service: { envoy_grpc: { cluster_name: AUTHZ_CLUSTER }, timeout: duration(timeout) },
        failure_mode_allow: false,
        processing_mode: {
          request_header_mode: 'SEND',
          response_header_mode: 'SEND',
          request_body_mode: 'NONE',
          response_body_mode: 'BUFFERED',
          request_trailer_mode: 'SKIP',
          response_trailer_mode: 'SKIP',
        },
        allow_mode_override: true,
        // per message; the policy judges every listed tool in microseconds, a loaded machine not
        message_timeout: duration(Math.min(timeout, 10_000)),
      },
    },
  ];
}

/** `typed_per_filter_config` entry that turns the filter on for an MCP server route. */
export function buildExtProcPerRoute(): Json {
  return { [EXT_PROC_FILTER]: { '@type': TYPES.extProcPerRoute, overrides: {} } };
}

// The HTTP connection manager of the main listener (docs/pomerium-behaviour.md §7.2): path normalisation, merged
// slashes, escaped slashes and underscore headers rejected, remote address and trusted XFF hops,
// request ids echoed, the JSON access log (build-access-log.ts), timeouts from config; filters ext_authz then router (nothing before
// ext_authz can answer a protected route). Routes come over RDS (ADS) or inline. The edge
// settings (no client is internal, header and stream timeouts, HTTP/2 limits) come from
// build-edge-settings.ts.
import type { Config } from '../../config/index.js';
import { ENVOY_PATH_NORMALISATION } from '../../wire/index.js';
import { duration, type Json } from '../lib/envoy-values.js';
import { ROUTE_CONFIG_NAME, TYPES } from '../lib/names.js';
import { buildAccessLog } from './build-access-log.js';
import { buildEdgeSettings } from './build-edge-settings.js';
import { buildExtAuthzFilter } from './build-ext-authz-filter.js';
import { buildExtProcFilters } from './build-ext-proc-filter.js';
import { hasClientCa } from './build-tls-context.js';
import { buildTracing } from './build-tracing.js';

export const ROUTER_FILTER: Json = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': TYPES.router },
};

export type RouteSource = { readonly ads: true } | { readonly inline: Json };

export function buildHttpConnectionManager(config: Config, routes: RouteSource): Json {
  const codec = { auto: 'AUTO', http1: 'HTTP1', http2: 'HTTP2', http3: 'AUTO' }[config.codec_type];
  const common: Json = {
    headers_with_underscores_action: 'REJECT_REQUEST',
    max_headers_count: 1000,
  };
  if (config.timeout_idle > 0) common.idle_timeout = duration(config.timeout_idle);
  if (config.timeout_write > 0) common.max_stream_duration = duration(config.timeout_write);
  const hcm: Json = {
    '@type': TYPES.hcm,
    stat_prefix: 'ingress',
    codec_type: codec,
    use_remote_address: true,
    xff_num_trusted_hops: config.xff_num_trusted_hops,
    skip_xff_append: config.skip_xff_append,
    ...ENVOY_PATH_NORMALISATION,
    common_http_protocol_options: common,
    max_request_headers_kb: 128,
    request_timeout: duration(config.timeout_read),
    generate_request_id: true,
    always_set_request_id_in_response: true,
    ...buildEdgeSettings(config),
    access_log: buildAccessLog(config),
    http_filters: [buildExtAuthzFilter(config), ...buildExtProcFilters(config), ROUTER_FILTER],
  };
  const tracing = buildTracing(config);
  if (tracing !== undefined) hcm.tracing = tracing;
  if (hasClientCa(config)) {
    // Envoy's own XFCC (client-sent ones dropped) carries the chain the client sent, so authz can
    // verify leaves issued by intermediates (docs/pomerium-behaviour.md §1.8 max_verify_depth).
    hcm.forward_client_cert_details = 'SANITIZE_SET';
    hcm.set_current_client_cert_details = { chain: true };
  }
  if ('ads' in routes) {
    hcm.rds = {
      config_source: { ads: {}, resource_api_version: 'V3' },
      route_config_name: ROUTE_CONFIG_NAME,
    };
  } else hcm.route_config = routes.inline;
  return hcm;
}

// The last route of the catch-all virtual host: a request whose authority matches no route
// host (a malformed authority, two Host values joined by Envoy, an unknown host) goes to authz
// with no route id, which answers 400 with the reason (config/edge/check-authority.ts) or 404 —
// with the security headers of every response Portcullis generates. The direct response is
// never reached (authz denies every such request; ext_authz fails closed).
import { buildExtAuthzPerRoute } from './build-ext-authz-filter.js';
import type { Json } from './lib/envoy-values.js';

export const UNROUTED_ROUTE_NAME = 'portcullis-unrouted';

export function buildUnroutedRoute(): Json {
  return {
    name: UNROUTED_ROUTE_NAME,
    match: { prefix: '/' },
    direct_response: { status: 404 },
    typed_per_filter_config: buildExtAuthzPerRoute({ routeId: '' }),
  };
}

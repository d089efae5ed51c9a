// The last route of the catch-all virtual host: a request whose authority matches no route
// host (a malformed authority, two Host values joined by Envoy, an unknown host) goes to authz
// with no route id, which answers 400 with the reason (wire/edge/check-authority.ts) or 404 —
// with the security headers of every response Portcullis generates. The direct response is
// never reached (authz denies every such request; ext_authz fails closed).
import type { Config } from '../../config/index.js';
import { ASSET_PREFIX } from '../../wire/index.js';
import { duration, type Json } from '../lib/envoy-values.js';
import { AUTHN_CLUSTER } from '../lib/names.js';
import { buildExtAuthzPerRoute } from './build-ext-authz-filter.js';

export const UNROUTED_ROUTE_NAME = 'portcullis-unrouted';

export function buildUnroutedRoute(): Json {
  return {
    name: UNROUTED_ROUTE_NAME,
    match: { prefix: '/' },
    direct_response: { status: 404 },
    typed_per_filter_config: buildExtAuthzPerRoute({ routeId: '' }),
  };
}

export const ASSET_ROUTE_NAME = 'portcullis-assets';

/**
 * Before the unrouted route: the stylesheet of the 404 page an unknown host gets
 * (`/.pomerium/assets/…`, answered by authn on any host, docs/pages.md). Only that prefix, and
 * only to authn: nothing else of an unknown host reaches anything but authz's 404.
 */
export function buildAssetRoute(config: Config): Json {
  return {
    name: ASSET_ROUTE_NAME,
    match: { prefix: ASSET_PREFIX },
    route: { cluster: AUTHN_CLUSTER, timeout: duration(config.default_upstream_timeout) },
    typed_per_filter_config: buildExtAuthzPerRoute({ disabled: true }),
  };
}

// Portcullis' own paths (docs/architecture.md, docs/pomerium-behaviour.md §5/§7.5): on every route host `/ping`, `/healthz`,
// `/.pomerium[/…]` and `/.well-known/pomerium[/…]` come first and go to authn with ext_authz
// marked internal, so no policy route can shadow them; the authenticate host goes to authn
// entirely with ext_authz disabled.
import type { Config } from '../../config/index.js';
import { duration, type Json } from '../lib/envoy-values.js';
import { AUTHN_CLUSTER } from '../lib/names.js';
import { buildExtAuthzPerRoute } from './build-ext-authz-filter.js';

/**
 * One regex route for all of them (exact /ping, /healthz, /.pomerium, /.well-known/pomerium and
 * everything under the last two): one route per host instead of six keeps 10,000-route
 * snapshots small.
 */
export const INTERNAL_PATHS_REGEX =
  '/(ping|healthz|\\.pomerium(/.*)?|\\.well-known/pomerium(/.*)?)';

function toAuthn(config: Config): Json {
  return { cluster: AUTHN_CLUSTER, timeout: duration(config.default_upstream_timeout) };
}

export function buildInternalRoutes(config: Config): Json[] {
  return [
    {
      name: 'portcullis-internal',
      match: { safe_regex: { regex: INTERNAL_PATHS_REGEX } },
      route: toAuthn(config),
      typed_per_filter_config: buildExtAuthzPerRoute({ internal: true }),
    },
  ];
}

export function buildAuthenticateRoutes(config: Config): Json[] {
  return [
    {
      name: 'portcullis-authenticate',
      match: { prefix: '/' },
      route: toAuthn(config),
      typed_per_filter_config: buildExtAuthzPerRoute({ disabled: true }),
    },
  ];
}

// Listeners (docs/pomerium-behaviour.md §7.2): the main listener on `address` — HTTPS with the configured
// certificates (or the development one) behind tls_inspector, or plain HTTP (`http-ingress`)
// with insecure_server; PROXY protocol when use_proxy_protocol; and the optional plain-HTTP
// listener on http_redirect_addr that answers every request with a 301 to https, except the
// ACME HTTP-01 path when autocert is on (docs/acme.md).
import type { Config } from '../../config/index.js';
import { type Json, parseListenAddress, socketAddress } from '../lib/envoy-values.js';
import { ACME_CHALLENGE_PREFIX, AUTHN_CLUSTER, TYPES } from '../lib/names.js';
import type { EnvoyBuildOptions } from '../types.js';
import {
  buildHttpConnectionManager,
  ROUTER_FILTER,
  type RouteSource,
} from './build-http-connection-manager.js';
import { buildDownstreamTlsContext } from './build-tls-context.js';

export const MAIN_LISTENER_HTTPS = 'https-ingress';
export const MAIN_LISTENER_HTTP = 'http-ingress';
export const REDIRECT_LISTENER = 'http-redirect';

function hcmFilter(hcm: Json): Json {
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: hcm };
}

export function buildMainListener(
  config: Config,
  opts: EnvoyBuildOptions,
  routes: RouteSource,
  certificates: readonly Json[] | { readonly sds: readonly Json[] },
): Json {
  const addr = parseListenAddress(opts.listenAddress ?? config.address) ?? {
    host: '0.0.0.0',
    port: 443,
  };
  const listenerFilters: Json[] = [];
  if (config.use_proxy_protocol) {
    listenerFilters.push({
      name: 'envoy.filters.listener.proxy_protocol',
      typed_config: { '@type': TYPES.proxyProtocol },
    });
  }
  const chain: Json = { filters: [hcmFilter(buildHttpConnectionManager(config, routes))] };
  if (!config.insecure_server) {
    listenerFilters.push({
      name: 'envoy.filters.listener.tls_inspector',
      typed_config: { '@type': TYPES.tlsInspector },
    });
    chain.transport_socket = {
      name: 'envoy.transport_sockets.tls',
      typed_config: buildDownstreamTlsContext(config, opts, certificates),
    };
  }
  return {
    name: config.insecure_server ? MAIN_LISTENER_HTTP : MAIN_LISTENER_HTTPS,
    address: socketAddress(addr.host, addr.port),
    ...(listenerFilters.length > 0 ? { listener_filters: listenerFilters } : {}),
    filter_chains: [chain],
  };
}

/** The http_redirect_addr listener (only with TLS on the main listener). */
export function buildRedirectListener(config: Config, opts: EnvoyBuildOptions): Json | undefined {
  // autocert answers HTTP-01 on port 80 (docs/acme.md): the listener is needed even when unset.
  const where =
    opts.redirectAddress ?? config.http_redirect_addr ?? (config.autocert ? ':80' : undefined);
  if (where === undefined || config.insecure_server) return undefined;
  const addr = parseListenAddress(where) ?? { host: '0.0.0.0', port: 80 };
  const main = parseListenAddress(opts.listenAddress ?? config.address);
  const redirect: Json = { https_redirect: true, response_code: 'MOVED_PERMANENTLY' };
  if (main !== undefined && main.port !== 443 && main.port !== 0)
    redirect.port_redirect = main.port;
  const hcm: Json = {
    '@type': TYPES.hcm,
    stat_prefix: 'http-redirect',
    normalize_path: true,
    merge_slashes: true,
    route_config: {
      name: 'http-redirect',
      virtual_hosts: [
        {
          name: 'redirect',
          domains: ['*'],
          routes: [
            // ACME CAs fetch HTTP-01 answers over plain HTTP: authn answers them, no authz.
            ...(config.autocert
              ? [{ match: { prefix: ACME_CHALLENGE_PREFIX }, route: { cluster: AUTHN_CLUSTER } }]
              : []),
            { match: { prefix: '/' }, redirect },
          ],
        },
      ],
    },
    http_filters: [ROUTER_FILTER],
  };
  return {
    name: REDIRECT_LISTENER,
    address: socketAddress(addr.host, addr.port),
    filter_chains: [{ filters: [hcmFilter(hcm)] }],
  };
}

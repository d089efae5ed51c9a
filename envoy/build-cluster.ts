// Clusters (reference §7.6): one per route with its weighted upstream endpoints, load balancing
// policy, upstream TLS, HTTP/1.1 or HTTP/2 (h2c), health checks, outlier detection, panic
// threshold and circuit breakers; portcullis-authorize (HTTP/2 gRPC, several endpoints with
// health checks); portcullis-authenticate (HTTP/1.1).

import { isIP } from 'node:net';
import type { Config, Route } from '../config/index.js';
import { buildUpstreamTlsContext, DEFAULT_SYSTEM_CA } from './build-tls-context.js';
import {
  allIps,
  base64Pem,
  type Endpoint,
  fileSource,
  type Json,
  loadAssignment,
  upstreamHost,
} from './lib/envoy-values.js';
import { AUTHN_CLUSTER, AUTHZ_CLUSTER, routeClusterName, TYPES } from './lib/names.js';
import type { EnvoyBuildOptions, HostPort } from './types.js';

const LB = {
  round_robin: 'ROUND_ROBIN',
  ring_hash: 'RING_HASH',
  maglev: 'MAGLEV',
  random: 'RANDOM',
  least_request: 'LEAST_REQUEST',
} as const;

function protocolOptions(http2: boolean): Json {
  return {
    [TYPES.httpProtocolOptions.slice(TYPES.httpProtocolOptions.lastIndexOf('/') + 1)]: {
      '@type': TYPES.httpProtocolOptions,
      explicit_http_config: http2 ? { http2_protocol_options: {} } : { http_protocol_options: {} },
    },
  };
}

function baseCluster(name: string, endpoints: readonly Endpoint[], http2: boolean): Json {
  return {
    name,
    connect_timeout: '10s',
    type: allIps(endpoints) ? 'STATIC' : 'STRICT_DNS',
    ...(allIps(endpoints) ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    lb_policy: 'ROUND_ROBIN',
    load_assignment: loadAssignment(name, endpoints),
    typed_extension_protocol_options: protocolOptions(http2),
  };
}

/**
 * The upstream endpoints of a route's `to` (default port 80, or 443 for https). Each carries the
 * URL's host with its port as the Host the default rewrite sends, as Pomerium does
 * (docs/pomerium-behaviour.md §7.5: `to: http://127.0.0.1:23081` → `Host: 127.0.0.1:23081`).
 */
export function routeEndpoints(route: Route): Endpoint[] {
  return (route.to ?? []).map((t) => {
    const u = new URL(t.url);
    const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    return { host: upstreamHost(u.hostname), port, weight: t.weight, hostHeader: u.host };
  });
}

/** A route's cluster, or undefined for redirect/response routes. */
export function buildRouteCluster(
  route: Route,
  config: Config,
  opts: EnvoyBuildOptions,
): Json | undefined {
  const to = route.to;
  if (to === undefined || to.length === 0) return undefined;
  const first = new URL(to[0]!.url);
  const name = routeClusterName(route.id);
  const cluster = baseCluster(name, routeEndpoints(route), first.protocol === 'h2c:');
  cluster.lb_policy = LB[route.load_balancing_policy ?? 'round_robin'];
  if (first.protocol === 'https:') {
    cluster.transport_socket = buildUpstreamTlsContext(
      route,
      config,
      opts,
      upstreamHost(first.hostname),
    );
  }
  if (route.health_checks !== undefined) cluster.health_checks = route.health_checks;
  if (route.outlier_detection !== undefined) cluster.outlier_detection = route.outlier_detection;
  if (route.healthy_panic_threshold !== undefined) {
    cluster.common_lb_config = {
      healthy_panic_threshold: { value: route.healthy_panic_threshold },
    };
  }
  if (route.circuit_breaker_thresholds !== undefined) {
    cluster.circuit_breakers = { thresholds: [route.circuit_breaker_thresholds] };
  }
  return cluster;
}

/** portcullis-authorize: gRPC (HTTP/2) to every authz replica, health-checked when several. */
export function buildAuthzCluster(
  endpoints: readonly HostPort[],
  config?: Config,
  opts?: EnvoyBuildOptions,
): Json {
  const cluster = baseCluster(AUTHZ_CLUSTER, endpoints.map(toEndpoint), true);
  cluster.connect_timeout = '5s';
  const tlsHosts = [
    ...new Set(endpoints.filter((e) => e.tls === true).map((e) => upstreamHost(e.host))),
  ];
  if (tlsHosts.length === 1 && endpoints.every((e) => e.tls === true)) {
    cluster.transport_socket = internalTls(tlsHosts[0]!, config, opts, ['h2']);
  } else if (tlsHosts.length > 0) {
    // Each replica is verified under its own name: endpoints carry their host as match metadata.
    const assignment = cluster.load_assignment as { endpoints: { lb_endpoints: Json[] }[] };
    assignment.endpoints[0]!.lb_endpoints.forEach((lb, i) => {
      const e = endpoints[i]!;
      if (e.tls === true) {
        lb.metadata = {
          filter_metadata: { 'envoy.transport_socket_match': { tls_host: upstreamHost(e.host) } },
        };
      }
    });
    cluster.transport_socket_matches = tlsHosts.map((h, i) => ({
      name: `tls-${i}`,
      match: { tls_host: h },
      transport_socket: internalTls(h, config, opts, ['h2']),
    }));
  }
  if (endpoints.length > 1) {
    cluster.health_checks = [
      {
        timeout: '1s',
        interval: '5s',
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        grpc_health_check: {},
      },
    ];
    cluster.outlier_detection = { consecutive_5xx: 3, interval: '5s', base_ejection_time: '10s' };
  }
  return cluster;
}

/** portcullis-authenticate: the authn HTTP server. */
export function buildAuthnCluster(
  endpoint: HostPort,
  config?: Config,
  opts?: EnvoyBuildOptions,
): Json {
  const cluster = baseCluster(AUTHN_CLUSTER, [toEndpoint(endpoint)], false);
  cluster.connect_timeout = '5s';
  if (endpoint.tls === true)
    cluster.transport_socket = internalTls(endpoint.host, config, opts, ['http/1.1']);
  return cluster;
}

/** TLS to our own services (https service URLs): verified against certificate_authority or the system bundle. */
function internalTls(
  host: string,
  config: Config | undefined,
  opts: EnvoyBuildOptions | undefined,
  alpn: string[],
): Json {
  const ca =
    config?.certificate_authority !== undefined
      ? base64Pem(config.certificate_authority)
      : config?.certificate_authority_file !== undefined
        ? fileSource(config.certificate_authority_file, opts?.baseDir)
        : { filename: opts?.systemCaFile ?? DEFAULT_SYSTEM_CA };
  const sanType = isIP(host) === 0 ? 'DNS' : 'IP_ADDRESS';
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPES.upstreamTls,
      sni: host,
      common_tls_context: {
        alpn_protocols: alpn,
        validation_context: {
          trusted_ca: ca,
          match_typed_subject_alt_names: [{ san_type: sanType, matcher: { exact: host } }],
        },
      },
    },
  };
}

function toEndpoint(e: HostPort): Endpoint {
  return { host: upstreamHost(e.host), port: e.port };
}

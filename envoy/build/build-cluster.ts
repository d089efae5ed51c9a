// Clusters (docs/pomerium-behaviour.md §7.6): one per route with its weighted upstream endpoints, load balancing
// policy, upstream TLS, HTTP/1.1 or HTTP/2 (h2c), health checks, outlier detection, panic
// threshold and circuit breakers; portcullis-authorize (HTTP/2 gRPC, several endpoints with
// health checks); portcullis-authenticate (HTTP/1.1).

import type { Config, Route } from '../../config/index.js';
import {
  AUTHZ_CIRCUIT_BREAKERS,
  AUTHZ_HTTP2_OPTIONS,
  authzHealthChecks,
  authzOutlierDetection,
} from '../lib/authz-resilience.js';
import {
  allIps,
  type Endpoint,
  type Json,
  loadAssignment,
  upstreamHost,
} from '../lib/envoy-values.js';
import { AUTHN_CLUSTER, AUTHZ_CLUSTER, routeClusterName, TYPES } from '../lib/names.js';
import type { EnvoyBuildOptions, HostPort } from '../types.js';
import { buildUpstreamTlsContext } from './build-tls-context.js';
import { buildInternalUpstreamTls } from './build-upstream-tls.js';

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
  // Failover and isolation (lib/authz-resilience.ts).
  setHttp2Options(cluster, AUTHZ_HTTP2_OPTIONS);
  cluster.outlier_detection = authzOutlierDetection();
  cluster.circuit_breakers = AUTHZ_CIRCUIT_BREAKERS;
  if (endpoints.length > 1) cluster.health_checks = authzHealthChecks();
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

/** TLS to our own services (envoy/build/build-upstream-tls.ts). */
function internalTls(
  host: string,
  config: Config | undefined,
  opts: EnvoyBuildOptions | undefined,
  alpn: string[],
): Json {
  return buildInternalUpstreamTls(host, config, opts, alpn);
}

function setHttp2Options(cluster: Json, options: Json): void {
  const all = cluster.typed_extension_protocol_options as Record<string, Json>;
  for (const v of Object.values(all)) {
    (v.explicit_http_config as Json).http2_protocol_options = options;
  }
}

function toEndpoint(e: HostPort): Endpoint {
  return { host: upstreamHost(e.host), port: e.port };
}

// Bootstraps (reference §7.1). Static: a complete bootstrap (listeners with the route
// configuration inline, every cluster) for teams that run their own Envoy. ADS: the small
// bootstrap that points Envoy at our xDS server for listeners, clusters and routes.
import { isIP } from 'node:net';
import type { Config } from '../config/index.js';
import { buildResources } from './build-resources.js';
import { checkSnapshotConsistency } from './check-snapshot-consistency.js';
import { type Json, socketAddress } from './lib/envoy-values.js';
import { ADS_CLUSTER, TYPES } from './lib/names.js';
import type { EnvoyBuildOptions, EnvoyIssue, HostPort, NamedResource } from './types.js';
import { checkResource } from './validate-snapshot.js';

export const DEFAULT_NODE_ID = 'portcullis';
const DEFAULT_ADMIN_PORT = 9901;

/**
 * Runtime: RE2 regexes up to program size 1000 (Envoy's default refuses more than 100, which
 * ordinary route regexes such as `^/[a-z]{1,60}$` exceed).
 */
export const RE2_MAX_PROGRAM_SIZE = 1000;
const LAYERED_RUNTIME: Json = {
  layers: [
    {
      name: 'portcullis',
      static_layer: { 're2.max_program_size.error_level': RE2_MAX_PROGRAM_SIZE },
    },
  ],
};

/** A bound on open downstream connections (Envoy warns without one and could run out of fds). */
export const MAX_DOWNSTREAM_CONNECTIONS = 50_000;
const OVERLOAD_MANAGER: Json = {
  resource_monitors: [
    {
      name: 'envoy.resource_monitors.global_downstream_max_connections',
      typed_config: {
        '@type':
          'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
        max_active_downstream_connections: MAX_DOWNSTREAM_CONNECTIONS,
      },
    },
  ],
};

function admin(port: number | undefined): Json {
  return { address: socketAddress('127.0.0.1', port ?? DEFAULT_ADMIN_PORT) };
}

export type BootstrapResult =
  | { readonly ok: true; readonly bootstrap: Json; readonly warnings: readonly EnvoyIssue[] }
  | { readonly ok: false; readonly issues: readonly EnvoyIssue[] };

/** The complete static bootstrap, validated against Envoy's protos. */
export function buildBootstrap(
  config: Config,
  opts: EnvoyBuildOptions & { nodeId?: string },
): BootstrapResult {
  const built = buildResources(config, opts, 'inline');
  const bootstrap: Json = {
    node: { id: opts.nodeId ?? DEFAULT_NODE_ID, cluster: DEFAULT_NODE_ID },
    admin: admin(opts.adminPort),
    layered_runtime: LAYERED_RUNTIME,
    overload_manager: OVERLOAD_MANAGER,
    static_resources: {
      listeners: built.listeners.map((l) => l.resource),
      clusters: built.clusters.map((c) => c.resource),
    },
  };
  const issues: EnvoyIssue[] = [
    ...built.issues,
    ...checkSnapshotConsistency({
      resources: { cluster: built.clusters, listener: built.listeners, route: [] },
    }),
  ];
  // Problems are looked up with the origins of the resource they sit in.
  const parts = new Map<string, { routeIndex: number; routeId: string }>();
  built.listeners.forEach((l, i) => {
    for (const [k, o] of l.parts ?? []) parts.set(`static_resources.listeners[${i}].${k}`, o);
  });
  built.clusters.forEach((c, i) => {
    if (c.origin !== undefined) parts.set(`static_resources.clusters[${i}]`, c.origin);
  });
  const item: NamedResource = { name: 'bootstrap', resource: bootstrap, parts };
  issues.push(...checkResource('envoy.config.bootstrap.v3.Bootstrap', item, 'bootstrap').issues);
  return issues.length > 0
    ? { ok: false, issues }
    : { ok: true, bootstrap, warnings: built.warnings };
}

export interface AdsBootstrapOptions {
  readonly ads: HostPort;
  readonly nodeId?: string;
  readonly adminPort?: number;
}

/** The bootstrap that takes listeners, clusters and routes from our ADS server (SotW gRPC). */
export function buildAdsBootstrap(opts: AdsBootstrapOptions): Json {
  const ads = { ads: {}, resource_api_version: 'V3' };
  return {
    node: { id: opts.nodeId ?? DEFAULT_NODE_ID, cluster: DEFAULT_NODE_ID },
    admin: admin(opts.adminPort),
    layered_runtime: LAYERED_RUNTIME,
    overload_manager: OVERLOAD_MANAGER,
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: ADS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      lds_config: ads,
      cds_config: ads,
    },
    static_resources: {
      clusters: [
        {
          name: ADS_CLUSTER,
          connect_timeout: '5s',
          type: isIP(opts.ads.host) === 0 ? 'STRICT_DNS' : 'STATIC',
          load_assignment: {
            cluster_name: ADS_CLUSTER,
            endpoints: [
              {
                lb_endpoints: [
                  { endpoint: { address: socketAddress(opts.ads.host, opts.ads.port) } },
                ],
              },
            ],
          },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': TYPES.httpProtocolOptions,
              explicit_http_config: {
                http2_protocol_options: {
                  connection_keepalive: { interval: '30s', timeout: '5s' },
                },
              },
            },
          },
        },
      ],
    },
  };
}

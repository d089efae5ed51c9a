// The ADS bootstrap: the small one that takes listeners, clusters and routes from our xDS server
// (state-of-the-world ADS over gRPC on a static HTTP/2 cluster with keepalives, over TLS with a
// client certificate when the ADS server speaks TLS).
import { isIP } from 'node:net';
import {
  type AdminSettings,
  admin,
  DEFAULT_NODE_ID,
  LAYERED_RUNTIME,
  OVERLOAD_MANAGER,
} from '../lib/bootstrap-common.js';
import { type Json, socketAddress } from '../lib/envoy-values.js';
import { ADS_CLUSTER, TYPES } from '../lib/names.js';
import type { HostPort } from '../types.js';

export interface AdsBootstrapOptions {
  readonly ads: HostPort;
  readonly nodeId?: string;
  readonly adminPort?: number;
  /**
   * Transport socket of the ADS cluster (TLS with SAN check and client certificate, from
   * buildInternalUpstreamTls) when the ADS server speaks TLS; plain text otherwise.
   */
  readonly tls?: Json;
  /** envoy_admin_* settings (an address there wins over adminPort). */
  readonly admin?: AdminSettings;
}

/** The bootstrap that takes listeners, clusters and routes from our ADS server (SotW gRPC). */
export function buildAdsBootstrap(opts: AdsBootstrapOptions): Json {
  const ads = { ads: {}, resource_api_version: 'V3' };
  return {
    node: { id: opts.nodeId ?? DEFAULT_NODE_ID, cluster: DEFAULT_NODE_ID },
    admin: admin(opts.adminPort, opts.admin),
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
          ...(opts.tls === undefined ? {} : { transport_socket: opts.tls }),
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

// Envoy's OpenTelemetry tracer (docs/tracing.md), from the `otel_*` keys: the HCM `tracing`
// block (sampling ratio → random_sampling, an upstream span per request so the upstream's
// traceparent names it) and the collector cluster it exports to (OTLP over gRPC or HTTP). Both
// the bootstrap and the ADS snapshot take them from here: one collector for Envoy and our
// services. Envoy's resource: its `service_name` (otel_resource_attributes' service.name, else
// portcullis-envoy) and every other otel_resource_attributes entry (the static-config resource
// detector), so Envoy's spans carry the same deployment attributes as ours.
import { type Config, resolveTracing } from '../../config/index.js';
import { allIps, duration, type Json, loadAssignment, upstreamHost } from '../lib/envoy-values.js';
import { OTEL_CLUSTER, TYPES } from '../lib/names.js';

/** The HCM `tracing` block, or undefined when tracing is off. */
export function buildTracing(config: Config): Json | undefined {
  const t = resolveTracing(config);
  if (t === undefined) return undefined;
  const headers = Object.entries(t.headers);
  const service =
    t.protocol === 'grpc'
      ? {
          grpc_service: {
            envoy_grpc: { cluster_name: OTEL_CLUSTER },
            timeout: duration(t.timeoutMs),
            initial_metadata: headers.map(([key, value]) => ({ key: key.toLowerCase(), value })),
          },
        }
      : {
          http_service: {
            http_uri: { uri: t.url, cluster: OTEL_CLUSTER, timeout: duration(t.timeoutMs) },
            request_headers_to_add: headers.map(([key, value]) => ({ header: { key, value } })),
          },
        };
  const { 'service.name': serviceName, ...attributes } = t.resourceAttributes;
  return {
    random_sampling: { value: t.ratio * 100 },
    spawn_upstream_span: true,
    provider: {
      name: 'envoy.tracers.opentelemetry',
      typed_config: {
        '@type': TYPES.otelTracer,
        ...service,
        service_name: serviceName ?? 'portcullis-envoy',
        ...(Object.keys(attributes).length === 0
          ? {}
          : {
              resource_detectors: [
                {
                  name: 'envoy.tracers.opentelemetry.resource_detectors.static_config',
                  typed_config: { '@type': TYPES.otelStaticResource, attributes },
                },
              ],
            }),
      },
    },
  };
}

/** The cluster of the OTLP collector, or undefined when tracing is off. */
export function buildOtelCollectorCluster(config: Config): Json | undefined {
  const t = resolveTracing(config);
  if (t === undefined) return undefined;
  const url = new URL(t.url);
  const tls = url.protocol === 'https:';
  const port = url.port !== '' ? Number(url.port) : tls ? 443 : 80;
  const endpoints = [{ host: upstreamHost(url.hostname), port }];
  const ips = allIps(endpoints);
  const cluster: Json = {
    name: OTEL_CLUSTER,
    connect_timeout: '5s',
    type: ips ? 'STATIC' : 'STRICT_DNS',
    ...(ips ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    lb_policy: 'ROUND_ROBIN',
    load_assignment: loadAssignment(OTEL_CLUSTER, endpoints),
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': TYPES.httpProtocolOptions,
        explicit_http_config:
          t.protocol === 'grpc' ? { http2_protocol_options: {} } : { http_protocol_options: {} },
      },
    },
  };
  if (tls) {
    cluster.transport_socket = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': TYPES.upstreamTls,
        sni: url.hostname,
        common_tls_context: {
          validation_context: {
            trusted_ca: { filename: '/etc/ssl/certs/ca-certificates.crt' },
            match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: url.hostname } }],
          },
        },
      },
    };
  }
  return cluster;
}

// The names shared by the generated resources and by authz/start: cluster, listener and route
// configuration names, filter names and the type URLs of the resources ADS serves.

export const AUTHZ_CLUSTER = 'portcullis-authorize';
export const AUTHN_CLUSTER = 'portcullis-authenticate';
export const ADS_CLUSTER = 'portcullis-xds';
export const OTEL_CLUSTER = 'portcullis-otel-collector';
export const ROUTE_CONFIG_NAME = 'main';
export const EXT_AUTHZ_FILTER = 'envoy.filters.http.ext_authz';
export const EXT_PROC_FILTER = 'envoy.filters.http.ext_proc';

/** The cluster that carries a config route's upstreams. */
export const routeClusterName = (routeId: string): string => `route-${routeId}`;

const T = 'type.googleapis.com/';
export const TYPE_URLS = {
  cluster: `${T}envoy.config.cluster.v3.Cluster`,
  listener: `${T}envoy.config.listener.v3.Listener`,
  route: `${T}envoy.config.route.v3.RouteConfiguration`,
} as const;
export type ResourceKind = keyof typeof TYPE_URLS;

/** SDS secrets (autocert certificates), served over ADS only when a config has some. */
export const SECRET_TYPE_URL = `${T}envoy.extensions.transport_sockets.tls.v3.Secret`;
/** Where ACME CAs fetch HTTP-01 answers (RFC 8555 §8.3): routed to authn on the HTTP listener. */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export const TYPES = {
  hcm: `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  extAuthz: `${T}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
  extAuthzPerRoute: `${T}envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute`,
  extProc: `${T}envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor`,
  extProcPerRoute: `${T}envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute`,
  router: `${T}envoy.extensions.filters.http.router.v3.Router`,
  downstreamTls: `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  upstreamTls: `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  httpProtocolOptions: `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  tlsInspector: `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  proxyProtocol: `${T}envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol`,
  stdoutAccessLog: `${T}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog`,
  otelTracer: `${T}envoy.config.trace.v3.OpenTelemetryConfig`,
  otelStaticResource: `${T}envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig`,
} as const;

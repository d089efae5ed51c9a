// Keys Pomerium reads that Portcullis does not implement (docs/migrating-from-pomerium.md): each
// with what Pomerium would do with it. Such a key is warned about at validate and start, never
// refused and never silently dropped.

export const POMERIUM_ONLY_GLOBAL_KEYS: Readonly<Record<string, string>> = {
  installation_id: 'identifies the installation in telemetry',
  pomerium_debug: 'turns on debug output (deprecated in Pomerium)',
  dns_lookup_family: 'sets how Envoy resolves upstream names (V4_PREFERRED by default)',
  dns_failure_refresh_rate: 'sets how often Envoy retries a failed DNS lookup',
  dns_query_timeout: 'sets the DNS query timeout',
  dns_query_tries: 'sets the DNS query attempts',
  dns_refresh_rate: 'sets how often Envoy refreshes DNS',
  dns_udp_max_queries: 'limits concurrent DNS queries over UDP',
  dns_use_tcp: 'resolves upstream names over TCP',
  authenticate_callback_path:
    'changes the OAuth callback path (Portcullis always uses /oauth2/callback)',
  tls_derive: 'derives internal certificates from the shared secret',
  metrics_certificate: 'serves /metrics over TLS with this certificate',
  metrics_certificate_key: 'serves /metrics over TLS with this key',
  metrics_certificate_file: 'serves /metrics over TLS with this certificate file',
  metrics_certificate_key_file: 'serves /metrics over TLS with this key file',
  metrics_client_ca: 'requires client certificates on /metrics',
  metrics_client_ca_file: 'requires client certificates on /metrics',
  tracing_provider: 'exports traces (otlp; its jaeger, zipkin and datadog providers were dropped)',
  tracing_sample_rate: 'samples this fraction of requests for tracing',
  tracing_jaeger_collector_endpoint: 'ignores it too (deprecated: use the OTLP settings)',
  tracing_jaeger_agent_endpoint: 'ignores it too (deprecated: use the OTLP settings)',
  tracing_zipkin_endpoint: 'ignores it too (deprecated: use the OTLP settings)',
  tracing_datadog_address: 'ignores it too (deprecated: use the OTLP settings)',
  tracing_otlp_endpoint: 'exports traces over OTLP',
  tracing_otlp_protocol: 'sets the OTLP protocol of traces',
  otel_log_level: 'sets the OpenTelemetry SDK log level',
  envoy_bind_config_source_address: 'binds upstream connections to this source address',
  envoy_bind_config_freebind: 'sets freebind on upstream connections',
  google_cloud_serverless_authentication_service_account:
    'signs Google Cloud serverless ID tokens with this service account',
  ssh_address: 'serves the native SSH proxy on this address',
  ssh_host_keys: 'uses these SSH host keys',
  ssh_host_key_files: 'uses these SSH host key files',
  ssh_user_ca_key: 'signs SSH user certificates with this key',
  ssh_user_ca_key_file: 'signs SSH user certificates with this key file',
  mcp: 'turns on the MCP (Model Context Protocol) gateway',
  branding_options: 'customises the look of Pomerium pages',
  pass_identity_headers_for_all_routes: 'passes identity headers on every route',
  idp_refresh_directory_timeout: 'was used by directory sync (removed)',
  envoy_bootstrap_options: 'merges options into the Envoy bootstrap',
  use_envoy_bootstrap: 'changes the Envoy bootstrap',
  jwt_issuer: 'sets the issuer of the upstream JWT',
  bearer_token_format_default: 'sets the default bearer token format',
  databroker_cluster_node_id: 'names this node in a clustered databroker',
  databroker_raft_bind_address: 'binds the clustered databroker',
  device_auth_client_id: 'enables WebAuthn device registration',
};

/** Route keys Pomerium reads that Portcullis does not implement, with what Pomerium does. */
export const POMERIUM_ONLY_ROUTE_KEYS: Readonly<Record<string, string>> = {
  upstream_tunnel: 'tunnels SSH to the upstream under an ssh_policy',
  envoy_opts: 'merges raw Envoy cluster options into the route cluster',
  tls_derive: 'derives the upstream certificate name from the shared secret',
};

/**
 * Keys Portcullis accepts (they parse and are checked) but does not act on yet: each is warned
 * about whenever a config sets it, naming what Pomerium would do. Keys leave this list when they
 * are implemented (docs/migrating-from-pomerium.md).
 */
export const ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS: Readonly<Record<string, string>> = {
  bearer_token_format:
    'reads Authorization bearer tokens as JWTs of identity_providers (`jwt`; Portcullis implements default, idp_access_token and idp_identity_token)',
  health_check_addr:
    'serves health checks on this address (Portcullis: gRPC health on grpc_address, GET /healthz on authn)',
  debug_address: 'serves debug endpoints on this address (Portcullis has none)',
  databroker_service_url:
    'connects to a separate databroker service (Portcullis runs the databroker in each process: set databroker_storage_connection_string)',
  databroker_service_urls:
    'connects to separate databroker services (Portcullis runs the databroker in each process: set databroker_storage_connection_string)',
  databroker_internal_service_url:
    'connects to a separate databroker service (Portcullis runs the databroker in each process: set databroker_storage_connection_string)',
  identity_providers: 'verifies JWT bearer tokens from these named issuers',
};

export const ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS: Readonly<Record<string, string>> = {
  bearer_token_format:
    'reads Authorization bearer tokens as JWTs of identity_providers on this route (`jwt`; Portcullis implements default, idp_access_token and idp_identity_token)',
  identity_providers: 'accepts JWT bearer tokens from these named issuers on this route',
  enable_google_cloud_serverless_authentication:
    'adds a Google-signed ID token for Cloud Run upstreams',
  mcp: 'hands MCP client apps a token (Portcullis serves mcp.server routes: protected resource metadata, 401 challenges, its own OAuth authorization server and upstream_oauth2; it serves mcp.client routes as ordinary routes; see docs/mcp.md)',
};

/** Key families Pomerium has: an environment variable starting with one looks like a setting. */
export const SETTING_FAMILIES: readonly string[] = [
  'portcullis_',
  'pomerium_',
  'idp_',
  'cookie_',
  'authenticate_',
  'authorize_',
  'databroker_',
  'downstream_mtls_',
  'jwt_',
  'autocert_',
  'envoy_admin_',
  'timeout_',
  'signing_key',
  'shared_secret',
  'certificate',
  'metrics_',
  'tracing_',
];

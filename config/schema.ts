// The schema of the whole configuration file (docs/pomerium-behaviour.md §2.3 globals, `routes:` and the legacy
// `policy:` list): defaults applied, durations in ms, enums canonical. Unknown keys are rejected.
import * as z from 'zod';
import { brandingShape } from './lib/branding-schema.js';
import {
  ACCESS_LOG_FIELD_NAMES,
  AUTHORIZE_LOG_FIELD_NAMES,
  logFieldList,
} from './lib/log-fields.js';
import { otelShape } from './lib/otel-keys.js';
import {
  ciEnum,
  duration,
  httpUrl,
  jwtClaimsHeaders,
  pemKey,
  secret32,
  stringList,
  stringMap,
} from './lib/schema-types.js';
import { bearerTokenFormat, jwtIssuerFormat, routeSchema } from './route-schema.js';

const str = (desc: string) => z.string().optional().describe(desc);
const SERVICES = ['all', 'authenticate', 'authorize', 'proxy', 'databroker'] as const;

const services = z.string().transform((v, ctx): string => {
  const parts = v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')
    .map((s) => (s === 'cache' ? 'databroker' : s));
  for (const p of parts) {
    if (!(SERVICES as readonly string[]).includes(p)) {
      ctx.issues.push({
        code: 'custom',
        input: undefined,
        message: `unknown service "${p}" (use ${SERVICES.join(', ')})`,
        params: { code: 'invalid_enum' },
      });
    }
  }
  return parts.length === 0 ? 'all' : parts.join(',');
});

export const DEFAULT_SET_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'SAMEORIGIN',
  'X-XSS-Protection': '1; mode=block',
};

export const downstreamMtlsSchema = z
  .strictObject({
    ca: str('base64 PEM bundle of client certificate CAs'),
    ca_file: str('file with the client certificate CA bundle'),
    crl: str('base64 PEM certificate revocation list'),
    crl_file: str('file with the certificate revocation list'),
    enforcement: ciEnum(['policy_with_default_deny', 'policy', 'reject_connection'] as const)
      .default('policy_with_default_deny')
      .describe('policy, policy_with_default_deny or reject_connection'),
    match_subject_alt_names: z
      .array(z.record(z.string(), z.string()))
      .optional()
      .describe('list of {email|dns|uri|ip_address|user_principal_name: regex}'),
    max_verify_depth: z.number().int().min(0).optional().describe('maximum client chain depth'),
  })
  .describe('client certificate (mTLS) settings');

const certificate = z.strictObject({
  cert: z.string().describe('base64 PEM certificate or a file path'),
  key: z.string().describe('base64 PEM key or a file path'),
});

const globalShape = {
  // services and addresses
  services: services
    .default('all')
    .describe('comma list of all, authenticate, authorize, proxy, databroker'),
  address: z.string().default(':443').describe('listen address of the main (Envoy) listener'),
  insecure_server: z.boolean().default(false).describe('serve plain HTTP (development only)'),
  grpc_address: z
    .string()
    .default(':443')
    .describe('listen address of the gRPC services (authorize)'),
  grpc_insecure: z
    .boolean()
    .optional()
    .describe('serve gRPC without TLS (loopback grpc_address only; the default there)'),
  grpc_client_timeout: duration()
    .default(10_000)
    .describe('gRPC client timeout, also the ext_authz timeout'),
  http_redirect_addr: str('address of a plain-HTTP listener that redirects to https'),
  authenticate_service_url: httpUrl()
    .optional()
    .describe('external URL of the authenticate service'),
  authenticate_internal_service_url: httpUrl()
    .optional()
    .describe('internal URL of the authenticate service'),
  authorize_service_url: httpUrl().optional().describe('URL of the authorize service'),
  authorize_service_urls: z
    .array(httpUrl())
    .optional()
    .describe('URLs of several authorize services'),
  authorize_internal_service_url: httpUrl()
    .optional()
    .describe('internal URL of the authorize service'),
  databroker_service_url: httpUrl().optional().describe('URL of the databroker service'),
  databroker_service_urls: z
    .array(httpUrl())
    .optional()
    .describe('URLs of several databroker services'),
  databroker_internal_service_url: httpUrl()
    .optional()
    .describe('internal URL of the databroker service'),
  signout_redirect_url: httpUrl().optional().describe('where users land after signing out'),
  // secrets
  shared_secret: secret32()
    .optional()
    .describe('base64 of 32 random bytes shared by all services (also shared_secret_file)'),
  cookie_secret: secret32()
    .optional()
    .describe('base64 of 32 random bytes for cookies and state (also cookie_secret_file)'),
  signing_key: pemKey()
    .optional()
    .describe(
      'PEM EC or RSA private key(s) signing the JWT assertion; the first signs (also signing_key_file)',
    ),
  shared_secret_file: str('file holding shared_secret'),
  cookie_secret_file: str('file holding cookie_secret'),
  signing_key_file: str('file holding signing_key'),
  // identity provider
  idp_provider: ciEnum([
    'oidc',
    'google',
    'azure',
    'okta',
    'auth0',
    'cognito',
    'gitlab',
    'github',
    'apple',
    'onelogin',
    'ping',
    'keycloak',
  ] as const)
    .default('oidc')
    .describe('identity provider type'),
  idp_provider_url: httpUrl()
    .optional()
    .describe('issuer URL of the identity provider (discovery)'),
  idp_client_id: str('OAuth client id'),
  idp_client_secret: str('OAuth client secret (also idp_client_secret_file)'),
  idp_client_secret_file: str('file holding idp_client_secret'),
  idp_apple_team_id: str(
    'Apple team id: with the .p8 key in idp_client_secret, the client-secret JWT is minted (Portcullis)',
  ),
  idp_apple_key_id: str('Apple key id (kid) of the .p8 key in idp_client_secret (Portcullis)'),
  idp_scopes: stringList()
    .default(['openid', 'profile', 'email', 'offline_access'])
    .describe('scopes requested at sign-in'),
  idp_request_params: stringMap()
    .optional()
    .describe('extra query parameters on the authorization request'),
  idp_access_token_allowed_audiences: stringList()
    .optional()
    .describe('audiences accepted for bearer access tokens'),
  identity_providers: z
    .record(
      z.string(),
      z.strictObject({
        issuer: z.string().describe('issuer'),
        jwks_url: z.string().optional().describe('JWKS URL'),
        supported_algs: stringList().optional().describe('allowed algorithms'),
        audiences: stringList().optional().describe('accepted audiences'),
      }),
    )
    .optional()
    .describe('named external JWT issuers for bearer_token_format: jwt'),
  groups_claim: z
    .string()
    .default('groups')
    .describe('IdP claim holding the user groups (Portcullis)'),
  idp_trust_unverified_email: z
    .boolean()
    .default(false)
    .describe(
      'count the IdP email for email/domain criteria even without email_verified: true (Portcullis; for IdPs that never send it)',
    ),
  // cookies
  cookie_name: z.string().default('_pomerium').describe('session cookie name'),
  cookie_domain: str('cookie domain (unset: host-only cookie)'),
  cookie_expire: duration()
    .default(14 * 3_600_000)
    .describe('session lifetime'),
  cookie_http_only: z.boolean().default(true).describe('HttpOnly cookies'),
  cookie_secure: z.boolean().default(true).describe('Secure cookies'),
  cookie_same_site: ciEnum(['lax', 'strict', 'none'] as const)
    .default('lax')
    .describe('SameSite attribute: lax (default), strict or none'),
  // JWT and headers
  jwt_claims_headers: jwtClaimsHeaders()
    .default({})
    .describe('claims passed as headers: "email,groups", a list, or a map header → claim'),
  jwt_issuer_format: jwtIssuerFormat
    .default('hostOnly')
    .describe('iss of the JWT assertion: hostOnly or uri'),
  jwt_groups_filter: stringList().optional().describe('groups allowed in the JWT'),
  pass_identity_headers: z.boolean().default(false).describe('pass identity headers to upstreams'),
  set_response_headers: stringMap()
    .default(DEFAULT_SET_RESPONSE_HEADERS)
    .describe(
      'response headers added to every response; setting it replaces the defaults; key disable clears all',
    ),
  bearer_token_format: bearerTokenFormat
    .default('default')
    .describe('default, idp_access_token, idp_identity_token or jwt'),
  allow_upgrades: stringList().optional().describe('upgrade types allowed'),
  default_upstream_timeout: duration().default(30_000).describe('default route timeout'),
  // TLS
  certificates: z.array(certificate).optional().describe('list of {cert, key}'),
  certificate: str('base64 PEM certificate'),
  certificate_key: str('base64 PEM key of certificate'),
  certificate_file: str('file with a PEM certificate'),
  certificate_key_file: str('file with the PEM key of certificate_file'),
  certificate_authority: str('base64 PEM CA for upstream and internal verification'),
  certificate_authority_file: str('file with a PEM CA for upstream and internal verification'),
  override_certificate_name: str(
    'name verified in the certificates of internal services (default: the host connected to)',
  ),
  grpc_client_ca: str('base64 PEM CA whose client certificates may call grpc_address (Portcullis)'),
  grpc_client_ca_file: str('file with the CA whose client certificates may call grpc_address'),
  grpc_client_certificate: str(
    'base64 PEM client certificate Envoy presents to authorize and ADS (Portcullis)',
  ),
  grpc_client_certificate_key: str('base64 PEM key of grpc_client_certificate'),
  grpc_client_certificate_file: str(
    'file with the client certificate Envoy presents to authorize and ADS',
  ),
  grpc_client_certificate_key_file: str('file with the key of grpc_client_certificate_file'),
  autocert: z
    .boolean()
    .default(false)
    .describe('obtain and renew certificates for every route host from an ACME CA (docs/acme.md)'),
  autocert_ca: str('ACME directory URL (default: Let’s Encrypt)'),
  autocert_email: str('e-mail registered with the ACME account'),
  autocert_use_staging: z
    .boolean()
    .default(false)
    .describe('use Let’s Encrypt’s staging directory (when autocert_ca is unset)'),
  autocert_eab_key_id: str('ACME external account binding key id'),
  autocert_eab_mac_key: str('ACME external account binding MAC key (base64url)'),
  autocert_must_staple: z
    .boolean()
    .default(false)
    .describe('request certificates with the OCSP must-staple extension'),
  autocert_dir: str('folder holding the ACME account and certificates (default: the databroker)'),
  autocert_trusted_ca: str('base64 PEM CA that verifies the ACME server'),
  autocert_trusted_ca_file: str('file with the PEM CA that verifies the ACME server'),
  downstream_mtls: downstreamMtlsSchema.optional(),
  // databroker
  databroker_storage_type: ciEnum(['memory', 'postgres', 'file'] as const)
    .default('memory')
    .describe('memory or postgres'),
  databroker_storage_connection_string: str(
    'PostgreSQL DSN (also databroker_storage_connection_string_file)',
  ),
  databroker_storage_connection_string_file: str(
    'file holding databroker_storage_connection_string',
  ),
  databroker_storage_ca_file: str('file with the CA that verifies the PostgreSQL server'),
  databroker_storage_cert_file: str('file with a client certificate presented to PostgreSQL'),
  databroker_storage_key_file: str('file with the key of databroker_storage_cert_file'),
  databroker_storage_tls_skip_verify: z
    .boolean()
    .default(false)
    .describe('do not verify the PostgreSQL server certificate'),
  // timeouts
  timeout_read: duration().default(30_000).describe('downstream request timeout'),
  timeout_write: duration().default(0).describe('downstream stream duration limit (0 = none)'),
  timeout_idle: duration().default(300_000).describe('downstream idle timeout'),
  // observability and misc
  log_level: ciEnum(['info', 'debug', 'warn', 'error', 'trace', 'fatal'] as const, {
    aliases: { warning: 'warn' },
  })
    .default('info')
    .describe('trace, debug, info, warn, error or fatal'),
  proxy_log_level: ciEnum(['info', 'debug', 'warn', 'error', 'trace', 'fatal'] as const)
    .optional()
    .describe('Envoy log level (default: log_level)'),
  access_log_fields: logFieldList(ACCESS_LOG_FIELD_NAMES)
    .optional()
    .describe('fields of the access log'),
  authorize_log_fields: logFieldList(AUTHORIZE_LOG_FIELD_NAMES)
    .optional()
    .describe('fields of the authorize log'),
  metrics_address: str('address serving Prometheus /metrics'),
  forward_auth_address: str(
    'address of the HTTP forward-auth endpoint for nginx, Caddy and Traefik (docs/forward-auth.md)',
  ),
  metrics_basic_auth: str('base64 user:pass protecting /metrics'),
  debug_address: str('address of the debug endpoints'),
  health_check_addr: z
    .string()
    .default('127.0.0.1:28080')
    .describe('address of the health check listener'),
  use_proxy_protocol: z.boolean().default(false).describe('expect the PROXY protocol'),
  xff_num_trusted_hops: z.number().int().min(0).default(0).describe('trusted X-Forwarded-For hops'),
  skip_xff_append: z.boolean().default(false).describe('do not append to X-Forwarded-For'),
  internal_address_cidrs: stringList()
    .default([])
    .describe(
      'CIDRs whose clients Envoy treats as internal (trusts their x-envoy-* headers); default none',
    ),
  codec_type: ciEnum(['auto', 'http1', 'http2', 'http3'] as const)
    .default('auto')
    .describe('auto, http1, http2 or http3'),
  envoy_admin_address: str("address of Envoy's admin interface (default 127.0.0.1:9901)"),
  envoy_admin_access_log_path: str('file where Envoy logs admin requests'),
  envoy_admin_profile_path: str('file where Envoy writes CPU profiles'),
  ...otelShape,
  programmatic_redirect_domain_whitelist: stringList()
    .default(['localhost'])
    .describe('hosts allowed as programmatic login redirect targets'),
  runtime_flags: z.record(z.string(), z.boolean()).default({}).describe('runtime feature flags'),
  mcp_allowed_client_id_domains: stringList()
    .default([])
    .describe('hosts whose MCP client ID metadata documents are fetched (docs/mcp.md)'),
  ...brandingShape,
  // routes
  policy: z.array(routeSchema).default([]).describe('legacy name of routes (placed before routes)'),
  routes: z.array(routeSchema).default([]).describe('the routes'),
};

export const GLOBAL_KEYS: readonly string[] = Object.keys(globalShape);

/** Secret keys that may also be given as `<key>_file` (read when the config loads). */
export const FILE_SECRET_KEYS = [
  'shared_secret',
  'cookie_secret',
  'signing_key',
  'idp_client_secret',
  'databroker_storage_connection_string',
] as const;

/** The whole file as written (before the legacy `policy:` list joins `routes`). */
export const fileSchema = z
  .strictObject(globalShape)
  .describe('Portcullis configuration (Pomerium-compatible)');

/** The parsed configuration: `routes` is the legacy `policy:` list followed by `routes:`. */
export const configSchema = fileSchema.transform(({ policy, routes, ...rest }) => ({
  ...rest,
  routes: [...policy, ...routes],
}));

export type Config = z.output<typeof configSchema>;
export type Route = z.output<typeof routeSchema>;
export type ConfigInput = z.input<typeof fileSchema>;

// The schema of one route (docs/pomerium-behaviour.md §2.2 and the legacy policy keys of §1.7): matching, action,
// rewrites, headers, timeouts, upstream TLS, identity. Unknown keys are rejected.
import * as z from 'zod';
import { computeRouteId } from '../wire/index.js';
import { fromUrl, toUrls } from './lib/route-urls.js';
import { ciEnum, duration, stringList, stringMap } from './lib/schema-types.js';

const bool = (desc: string) => z.boolean().default(false).describe(desc);
const optBool = (desc: string) => z.boolean().optional().describe(desc);
const str = (desc: string) => z.string().optional().describe(desc);

export const redirectSchema = z
  .strictObject({
    https_redirect: optBool('redirect to https'),
    scheme_redirect: str('scheme of the redirect target'),
    host_redirect: str('host of the redirect target'),
    port_redirect: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('port of the redirect target'),
    path_redirect: str('path of the redirect target (not with prefix_rewrite)'),
    prefix_rewrite: str(
      'replace the matched prefix in the redirect target (not with path_redirect)',
    ),
    response_code: z
      .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)])
      .optional()
      .describe('301, 302, 303, 307 or 308 (default 301)'),
    strip_query: optBool('drop the query string'),
  })
  .describe('answer with a redirect instead of proxying (still goes through authorization)');

/** The JSON-RPC body authz reads on an MCP server route when max_request_bytes is unset or 0. */
export const MCP_DEFAULT_MAX_REQUEST_BYTES = 1_048_576;

/** The body bound of an MCP server route: Envoy answers 413 to a larger body (docs/mcp.md). */
export function mcpMaxRequestBytes(route: {
  readonly mcp?: z.output<typeof mcpSchema>;
}): number | null {
  const server = route.mcp?.server;
  if (server === undefined) return null;
  return server.max_request_bytes || MCP_DEFAULT_MAX_REQUEST_BYTES;
}

/** The OAuth client an MCP upstream needs its own token from (docs/mcp.md, Pomerium's shape). */
export const mcpUpstreamOAuth2Schema = z
  .strictObject({
    client_id: z.string().min(1).describe('OAuth client id registered at the upstream provider'),
    client_secret: str('OAuth client secret (a public client when unset)'),
    endpoint: z
      .strictObject({
        auth_url: z.string().min(1).describe('authorization endpoint (https)'),
        token_url: z.string().min(1).describe('token endpoint (https)'),
        auth_style: str(
          'client authentication at the token endpoint: in_header (default) or in_params',
        ),
      })
      .describe('the provider endpoints'),
    scopes: z.array(z.string()).optional().describe('scopes to ask for'),
    authorization_url_params: z
      .record(z.string(), z.string())
      .optional()
      .describe('extra query parameters of the authorization URL'),
  })
  .describe('Portcullis runs this OAuth flow once per user and attaches the token upstream');

const mcpServerSchema = z
  .strictObject({
    upstream_oauth2: mcpUpstreamOAuth2Schema.optional(),
    max_request_bytes: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('largest request body in bytes (larger: 413); unset or 0: 1 MiB'),
    path: str('path of the MCP endpoint on this host (default: the route path)'),
    authorization_server_url: str(
      'issuer of the OAuth authorization server MCP clients are sent to (protected resource metadata)',
    ),
  })
  .describe('an MCP server behind this route');

export const mcpSchema = z
  .strictObject({
    server: mcpServerSchema.optional(),
    client: z.strictObject({}).optional().describe('MCP client route (not implemented yet)'),
  })
  .refine((m) => (m.server === undefined) !== (m.client === undefined), {
    message: 'exactly one of server or client',
  });

export const responseSchema = z
  .strictObject({
    status: z.number().int().min(200).max(599).describe('HTTP status code'),
    body: z.string().default('').describe('response body'),
  })
  .describe('answer with a fixed response instead of proxying (still goes through authorization)');

export const loadBalancingPolicy = ciEnum(
  ['round_robin', 'ring_hash', 'maglev', 'random', 'least_request'] as const,
  { prefix: 'load_balancing_policy_' },
);
export const jwtIssuerFormat = ciEnum(['hostOnly', 'uri'] as const, {
  aliases: { issuerhostonly: 'hostOnly', issueruri: 'uri', hostonly: 'hostOnly' },
});
export const bearerTokenFormat = ciEnum(
  ['default', 'idp_access_token', 'idp_identity_token', 'jwt'] as const,
  { prefix: 'bearer_token_format_' },
);

const routeShape = {
  id: str(
    'stable route id (default: a hash of from, prefix, path, regex and to/redirect/response)',
  ),
  name: str('display name'),
  description: str('description shown in the routes portal'),
  logo_url: str('logo shown in the routes portal'),
  from: fromUrl().describe(
    'external URL https://host[:port] without a path; the host may contain * wildcards',
  ),
  to: toUrls()
    .optional()
    .describe('upstream URL or list of URLs; a weight may follow a comma (https://a:8443,10)'),
  redirect: redirectSchema.optional(),
  response: responseSchema.optional(),
  prefix: str('match requests whose path starts with this prefix'),
  path: str('match requests whose path is exactly this'),
  regex: str('match requests whose whole path matches this regular expression'),
  regex_priority_order: z
    .number()
    .int()
    .optional()
    .describe('among the regex routes of a host, higher values match first (ties: file order)'),
  load_balancing_policy: loadBalancingPolicy
    .optional()
    .describe('round_robin, ring_hash, maglev, random or least_request'),
  health_checks: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe('Envoy health checks'),
  outlier_detection: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Envoy outlier detection'),
  healthy_panic_threshold: z.number().min(0).max(100).optional().describe('percent'),
  circuit_breaker_thresholds: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Envoy circuit breaker thresholds'),
  prefix_rewrite: str('replace the matched prefix before proxying'),
  regex_rewrite_pattern: str(
    'regular expression rewritten over the path (not with prefix_rewrite)',
  ),
  regex_rewrite_substitution: str('substitution for regex_rewrite_pattern'),
  host_rewrite: str('literal Host sent upstream'),
  host_rewrite_header: str('take the upstream Host from this request header'),
  host_path_regex_rewrite_pattern: str('regular expression over the path giving the upstream Host'),
  host_path_regex_rewrite_substitution: str('substitution for host_path_regex_rewrite_pattern'),
  preserve_host_header: bool('keep the client Host (default: rewrite to the upstream host)'),
  set_request_headers: stringMap()
    .optional()
    .describe('request headers set for the upstream (templates allowed)'),
  remove_request_headers: stringList()
    .optional()
    .describe('request headers removed before the upstream'),
  set_response_headers: stringMap()
    .optional()
    .describe('response headers merged over the global ones'),
  rewrite_response_headers: z
    .array(
      z.strictObject({
        header: z.string().describe('response header name'),
        prefix: z.string().optional().describe('value prefix to replace'),
        value: z.string().describe('replacement'),
      }),
    )
    .optional()
    .describe('rewrite response header values'),
  pass_identity_headers: optBool(
    'pass X-Pomerium-Jwt-Assertion and claim headers upstream (default: global)',
  ),
  jwt_issuer_format: jwtIssuerFormat.optional().describe('hostOnly or uri (default: global)'),
  jwt_groups_filter: stringList().optional().describe('groups allowed in the JWT'),
  timeout: duration().optional().describe('upstream timeout (default: default_upstream_timeout)'),
  idle_timeout: duration().optional().describe('route idle timeout; 0 disables'),
  allow_websockets: bool('allow websocket upgrades'),
  allow_spdy: bool('allow spdy/3.1 upgrades'),
  allow_upgrades: stringList().optional().describe('upgrade types allowed (default: global)'),
  bearer_token_format: bearerTokenFormat
    .optional()
    .describe('default, idp_access_token, idp_identity_token or jwt (default: global)'),
  allow_link_local_upstream: bool(
    'allow a link-local or cloud metadata upstream in to (refused by default)',
  ),
  tls_skip_verify: bool('accept any upstream certificate'),
  tls_server_name: str('SNI and SAN verified upstream'),
  tls_upstream_server_name: str('SNI and SAN verified upstream (wins over tls_server_name)'),
  tls_downstream_server_name: str('extra SNI this route is served under'),
  tls_custom_ca: str('base64 PEM CA for upstream verification'),
  tls_custom_ca_file: str('file with a PEM CA for upstream verification'),
  tls_client_cert: str('base64 PEM client certificate presented upstream'),
  tls_client_key: str('base64 PEM key of tls_client_cert'),
  tls_client_cert_file: str('file with the client certificate presented upstream'),
  tls_client_key_file: str('file with the key of tls_client_cert_file'),
  tls_downstream_client_ca: str('base64 PEM CA for client certificates on this route (deprecated)'),
  tls_downstream_client_ca_file: str('file with a CA for client certificates on this route'),
  tls_upstream_allow_renegotiation: bool('allow upstream TLS renegotiation'),
  policy: z.unknown().optional().describe('Pomerium Policy Language document (object or list)'),
  allow_public_unauthenticated_access: bool('legacy: allow everyone, signed in or not'),
  allow_any_authenticated_user: bool('legacy: allow every signed-in user'),
  cors_allow_preflight: bool('legacy: allow CORS preflight requests'),
  allowed_users: stringList().default([]).describe('legacy: user ids or emails allowed'),
  allowed_domains: stringList().default([]).describe('legacy: email domains allowed'),
  allowed_idp_claims: z
    .record(z.string(), z.array(z.unknown()))
    .default({})
    .describe('legacy: claim name → allowed values'),
  sub_policies: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe('Enterprise sub-policies'),
  idp_client_id: str('route-specific OAuth client id'),
  idp_client_secret: str('route-specific OAuth client secret'),
  idp_access_token_allowed_audiences: stringList()
    .optional()
    .describe('audiences accepted for bearer access tokens'),
  identity_providers: stringList().optional().describe('named external JWT providers allowed'),
  depends_on: stringList()
    .optional()
    .describe('up to 5 extra hosts that receive the session cookie during login'),
  show_error_details: optBool('show policy details on the 403 page'),
  kubernetes_service_account_token: str('bearer token sent to a Kubernetes API upstream'),
  kubernetes_service_account_token_file: str('file with kubernetes_service_account_token'),
  enable_google_cloud_serverless_authentication: bool('add a Google-signed ID token upstream'),
  mcp: mcpSchema.optional().describe('serve the route as an MCP server (docs/mcp.md)'),
};

export const routeSchema = z
  .strictObject(routeShape)
  .transform((r) => ({ ...r, id: r.id ?? computeRouteId(r) }))
  .describe('a route: which requests it matches, where they go, and who may pass');

export const ROUTE_KEYS: readonly string[] = Object.keys(routeShape);

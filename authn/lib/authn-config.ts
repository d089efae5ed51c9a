// The narrow slice of the parsed Config that authn reads (the real Config satisfies it).
import type { Config, Route } from '../../config/index.js';

export type AuthnRoute = Pick<Route, 'from'> &
  Partial<Pick<Route, 'depends_on' | 'idp_client_id' | 'idp_client_secret' | 'mcp'>>;

export type AuthnConfig = Pick<
  Config,
  | 'authenticate_service_url'
  | 'signout_redirect_url'
  | 'shared_secret'
  | 'cookie_secret'
  | 'signing_key'
  | 'idp_provider'
  | 'idp_provider_url'
  | 'idp_client_id'
  | 'idp_client_secret'
  | 'idp_apple_team_id'
  | 'idp_apple_key_id'
  | 'idp_scopes'
  | 'idp_request_params'
  | 'groups_claim'
  | 'idp_trust_unverified_email'
  | 'cookie_name'
  | 'cookie_domain'
  | 'cookie_expire'
  | 'cookie_http_only'
  | 'cookie_secure'
  | 'cookie_same_site'
  | 'jwt_claims_headers'
  | 'programmatic_redirect_domain_whitelist'
  | 'runtime_flags'
  | 'mcp_allowed_client_id_domains'
  | 'primary_color'
  | 'secondary_color'
  | 'darkmode_primary_color'
  | 'darkmode_secondary_color'
  | 'logo_url'
  | 'favicon_url'
  | 'error_message_first_paragraph'
  | 'branding_name'
  | 'branding_support_url'
  | 'branding_support_text'
> & { readonly routes: readonly AuthnRoute[] };

// Pomerium keys that were removed or are rejected: named as removed, with what to use instead.

export const REMOVED_GLOBAL_KEYS: Readonly<Record<string, string>> = {
  client_ca: 'use downstream_mtls.ca',
  client_ca_file: 'use downstream_mtls.ca_file',
  policy_file: 'put the routes in this file under routes:',
  idp_service_account: 'directory sync was removed; groups come from the IdP groups claim',
  idp_refresh_directory_timeout: 'directory sync was removed',
  idp_refresh_directory_interval: 'directory sync was removed',
  idp_qps: 'directory sync was removed',
  headers: 'use set_response_headers',
  cache_service_url: 'use databroker_service_url',
  forward_auth_url:
    'forward-auth was removed from Pomerium; add Portcullis to your Envoy with `portcullis envoy attach`, or let it proxy',
};

export const REMOVED_ROUTE_KEYS: Readonly<Record<string, string>> = {
  allowed_groups: 'use a policy with the groups criterion',
  set_authorization_header: 'use set_request_headers',
};

// The identity-provider id (docs/pomerium-behaviour.md §2.3): a hash of the provider settings, stored in every
// session (`idp_id`) and in the sign-in URL; authz and authn must compute the same value.
import { createHash } from 'node:crypto';

/** The config fields the id depends on (the real `Config` satisfies this). */
export interface IdpSettingsInput {
  readonly idp_provider?: string | undefined;
  readonly idp_provider_url?: string | undefined;
  readonly idp_client_id?: string | undefined;
  readonly idp_client_secret?: string | undefined;
  readonly idp_scopes?: readonly string[] | undefined;
  readonly idp_request_params?: Readonly<Record<string, string>> | undefined;
  readonly authenticate_service_url?: string | undefined;
}

/** A route's own client credentials, which make it a different identity provider. */
export interface RouteIdpInput {
  readonly idp_client_id?: string | undefined;
  readonly idp_client_secret?: string | undefined;
}

/**
 * The idp id for the global settings, or for a route that overrides `idp_client_id` /
 * `idp_client_secret`. Stable across processes and restarts; 22 base64url characters.
 * @example const idpId = computeIdpId(config, route);
 */
export function computeIdpId(config: IdpSettingsInput, route?: RouteIdpInput): string {
  const params = Object.entries(config.idp_request_params ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const material = JSON.stringify([
    'portcullis-idp-v1',
    (config.idp_provider ?? 'oidc').toLowerCase(),
    config.idp_provider_url ?? '',
    route?.idp_client_id || config.idp_client_id || '',
    route?.idp_client_secret || config.idp_client_secret || '',
    [...(config.idp_scopes ?? [])],
    params,
    config.authenticate_service_url ?? '',
  ]);
  return createHash('sha256').update(material).digest('base64url').slice(0, 22);
}

// What one route's bearer-token handling needs to know (bearer_token_format and the IdP it trusts).

export type BearerFormat = 'idp_access_token' | 'idp_identity_token';

/** What a route expects of a bearer token. */
export interface BearerSettings {
  readonly format: BearerFormat;
  readonly idpId: string;
  readonly providerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Accepted `aud` values (an ID token: the client id). */
  readonly audiences: readonly string[];
  readonly groupsClaim: string;
  readonly userIdClaim: string;
  readonly trustUnverifiedEmail: boolean;
}

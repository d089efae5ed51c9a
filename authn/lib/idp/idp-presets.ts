// Provider presets: default issuer, scopes, extra authorization params and claim quirks per
// idp_provider; anything the user configured explicitly wins.
import { PortcullisError } from '../../../errors/index.js';
import { entraQuirks, googleQuirks, type OidcQuirks } from './oidc-quirks.js';
import { appleQuirks, auth0Quirks, cognitoQuirks, gitlabQuirks } from './provider-quirks.js';

export interface IdpPreset {
  /** Issuer used when idp_provider_url is unset. */
  readonly defaultIssuer?: string;
  /** Scopes used when idp_scopes is left at its default. */
  readonly scopes: readonly string[];
  /** Authorization request params added before idp_request_params. */
  readonly requestParams: Readonly<Record<string, string>>;
  /** Claim holding the stable user id. */
  readonly userIdClaim: string;
}

const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

const PRESETS: Record<string, IdpPreset> = {
  oidc: { scopes: OIDC_SCOPES, requestParams: {}, userIdClaim: 'sub' },
  // Google issues refresh tokens with access_type=offline and rejects offline_access.
  google: {
    defaultIssuer: 'https://accounts.google.com',
    scopes: ['openid', 'profile', 'email'],
    requestParams: { access_type: 'offline', prompt: 'consent' },
    userIdClaim: 'sub',
  },
  // Microsoft Entra: the stable id is the object id `oid` (sub is pairwise per application).
  azure: { scopes: OIDC_SCOPES, requestParams: {}, userIdClaim: 'oid' },
  okta: { scopes: [...OIDC_SCOPES, 'groups'], requestParams: {}, userIdClaim: 'sub' },
  auth0: { scopes: OIDC_SCOPES, requestParams: {}, userIdClaim: 'sub' },
  // Keycloak refreshes without offline_access; an offline token would outlive the SSO session
  // that RP-initiated logout ends (and needs the offline_access role).
  keycloak: { scopes: ['openid', 'profile', 'email'], requestParams: {}, userIdClaim: 'sub' },
  // GitLab issues refresh tokens without offline_access and does not know that scope.
  gitlab: {
    defaultIssuer: 'https://gitlab.com',
    scopes: ['openid', 'profile', 'email'],
    requestParams: {},
    userIdClaim: 'sub',
  },
  cognito: { scopes: ['openid', 'profile', 'email'], requestParams: {}, userIdClaim: 'sub' },
  onelogin: { scopes: OIDC_SCOPES, requestParams: {}, userIdClaim: 'sub' },
  ping: { scopes: OIDC_SCOPES, requestParams: {}, userIdClaim: 'sub' },
  // GitHub is OAuth 2 + its REST API (github-provider.ts): these are OAuth scopes, not OIDC ones.
  github: {
    defaultIssuer: 'https://github.com',
    scopes: ['read:user', 'user:email', 'read:org'],
    requestParams: {},
    userIdClaim: 'sub',
  },
  apple: {
    defaultIssuer: 'https://appleid.apple.com',
    scopes: ['openid', 'email', 'name'],
    requestParams: { response_mode: 'form_post' },
    userIdClaim: 'sub',
  },
};

/** The preset for a provider name. */
export function idpPreset(provider: string): IdpPreset {
  const preset = PRESETS[provider.toLowerCase()];
  if (!preset) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      `idp_provider ${provider} is not supported yet (use an OpenID Connect provider)`,
    );
  }
  return preset;
}

/** True when the configured scopes are the schema default (so the preset's apply). */
export function isDefaultScopes(scopes: readonly string[]): boolean {
  return scopes.length === OIDC_SCOPES.length && OIDC_SCOPES.every((s, i) => scopes[i] === s);
}

/** The preset's quirks for the OIDC relying party (oidc-quirks.ts), if it has any. */
export function quirksFor(
  provider: string,
  issuer: string,
  requestParams: Readonly<Record<string, string>> | undefined,
  options: { readonly timeoutMs: number; readonly fetch?: typeof fetch },
): { quirks?: OidcQuirks } {
  switch (provider.toLowerCase()) {
    case 'google': {
      const hd = requestParams?.hd;
      return hd ? { quirks: googleQuirks(hd) } : {};
    }
    case 'azure':
      return { quirks: entraQuirks({ issuer, ...options }) };
    case 'apple':
      return { quirks: appleQuirks };
    case 'auth0':
      return { quirks: auth0Quirks };
    case 'cognito':
      return { quirks: cognitoQuirks };
    case 'gitlab':
      return { quirks: gitlabQuirks };
    default:
      return {};
  }
}

/**
 * The issuer as the provider publishes it, from Pomerium's URL forms: Auth0's issuer ends with
 * `/`; Entra, Okta, Cognito, Google, GitLab and Keycloak publish theirs without one (discovery
 * compares the two exactly, so `…/v2.0/` from a Pomerium config would fail every sign-in).
 */
export function issuerFor(provider: string, url: string): string {
  switch (provider.toLowerCase()) {
    case 'auth0':
      return url.endsWith('/') ? url : `${url}/`;
    case 'azure':
    case 'okta':
    case 'cognito':
    case 'google':
    case 'gitlab':
    case 'keycloak':
      return url.replace(/\/+$/, '');
    default:
      return url;
  }
}

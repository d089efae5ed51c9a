// The OIDC relying party for one identity provider (openid-client v6): discovery, authorization
// URL with PKCE S256 + state + nonce, code exchange with ID-token checks and an algorithm
// allow-list, userinfo, refresh, revocation and RP-initiated logout.
import * as oidc from 'openid-client';
import { PortcullisError } from '../../../config/index.js';
import { extractIdentity, type Identity } from './extract-identity.js';
import { translateOidcError } from './translate-oidc-error.js';

/** Asymmetric algorithms only: `none` and HS* (keyed with public material) are refused. */
export const ID_TOKEN_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export interface IdpSettings {
  readonly id: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scopes: readonly string[];
  readonly requestParams: Readonly<Record<string, string>>;
  /** `https://<authenticate>/oauth2/callback`. */
  readonly redirectUri: string;
  readonly userIdClaim: string;
  readonly groupsClaim: string;
  /** Per-request timeout (ms). */
  readonly timeoutMs: number;
}

export interface TokenSet {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken: string;
  /** Epoch ms; 0 = unknown. */
  readonly accessTokenExpiresAt: number;
  readonly idToken: {
    readonly raw: string;
    readonly issuer: string;
    readonly subject: string;
    readonly issuedAt: number;
    readonly expiresAt: number;
  } | null;
}

export interface LoginResult {
  readonly tokens: TokenSet;
  readonly identity: Identity;
}

export interface IdentityProvider {
  readonly settings: IdpSettings;
  /** True when the IdP expects the callback as a form POST. */
  readonly formPost: boolean;
  authorizationUrl(checks: { state: string; nonce: string; codeVerifier: string }): Promise<string>;
  exchangeCode(
    callback: URL | Request,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<LoginResult>;
  /** Refreshes; `identity` is null when the IdP returned neither an ID token nor userinfo. */
  refresh(
    refreshToken: string,
    expectedSubject: string,
  ): Promise<{ tokens: TokenSet; identity: Identity | null }>;
  /** RFC 7009; false when the IdP has no revocation endpoint. */
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean>;
  /** RP-initiated logout URL, or null when the IdP has no end_session_endpoint. */
  endSessionUrl(idTokenHint: string, postLogoutRedirectUri: string): Promise<string | null>;
}

export interface OpenIdpOptions {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

function headerAlg(jwt: string): string {
  try {
    const header = JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return typeof header?.alg === 'string' ? header.alg : '';
  } catch {
    return '';
  }
}

/** Creates the relying party; discovery happens on first use and is retried after a failure. */
export function openIdentityProvider(
  settings: IdpSettings,
  options: OpenIdpOptions = {},
): IdentityProvider {
  const now = options.now ?? Date.now;
  let pending: Promise<oidc.Configuration> | null = null;

  async function discover(): Promise<oidc.Configuration> {
    const issuer = new URL(settings.issuer);
    // Plain http works as in Pomerium; config load warns about it outside loopback.
    const insecure = issuer.protocol === 'http:';
    const discoveryOptions: oidc.DiscoveryRequestOptions = {
      timeout: Math.ceil(settings.timeoutMs / 1000),
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      ...(options.fetch ? { [oidc.customFetch]: options.fetch as oidc.CustomFetch } : {}),
    };
    try {
      const probe = await oidc.discovery(
        issuer,
        settings.clientId,
        undefined,
        undefined,
        discoveryOptions,
      );
      const methods = probe.serverMetadata().token_endpoint_auth_methods_supported;
      const auth =
        !methods || methods.includes('client_secret_basic')
          ? oidc.ClientSecretBasic(settings.clientSecret)
          : oidc.ClientSecretPost(settings.clientSecret);
      const config = new oidc.Configuration(
        probe.serverMetadata(),
        settings.clientId,
        { client_secret: settings.clientSecret },
        auth,
      );
      if (insecure) oidc.allowInsecureRequests(config);
      if (options.fetch) config[oidc.customFetch] = options.fetch as oidc.CustomFetch;
      config.timeout = Math.ceil(settings.timeoutMs / 1000);
      return config;
    } catch (error) {
      throw translateOidcError(error, 'discovery');
    }
  }

  function configuration(): Promise<oidc.Configuration> {
    if (!pending) {
      pending = discover();
      pending.catch(() => {
        pending = null;
      });
    }
    return pending;
  }

  function checkAlg(idToken: string | undefined): void {
    if (idToken === undefined) return;
    const alg = headerAlg(idToken);
    if (!ID_TOKEN_ALGORITHMS.includes(alg)) {
      throw new PortcullisError('AUTHN_TOKEN_INVALID', `ID token algorithm ${alg || '?'} refused`);
    }
  }

  function toTokenSet(
    r: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    previousRefreshToken: string,
  ): TokenSet {
    const claims = r.claims();
    const expiresIn = r.expiresIn();
    return {
      accessToken: r.access_token,
      tokenType: r.token_type ?? 'Bearer',
      refreshToken: r.refresh_token ?? previousRefreshToken,
      accessTokenExpiresAt: expiresIn === undefined ? 0 : now() + expiresIn * 1000,
      idToken:
        r.id_token && claims
          ? {
              raw: r.id_token,
              issuer: claims.iss,
              subject: claims.sub,
              issuedAt: claims.iat * 1000,
              expiresAt: claims.exp * 1000,
            }
          : null,
    };
  }

  async function userinfo(
    config: oidc.Configuration,
    accessToken: string,
    subject: string,
  ): Promise<Record<string, unknown> | undefined> {
    if (!config.serverMetadata().userinfo_endpoint) return undefined;
    try {
      return (await oidc.fetchUserInfo(config, accessToken, subject)) as Record<string, unknown>;
    } catch (error) {
      throw translateOidcError(error, 'userinfo');
    }
  }

  const identityOptions = { userIdClaim: settings.userIdClaim, groupsClaim: settings.groupsClaim };

  return {
    settings,
    formPost: settings.requestParams.response_mode === 'form_post',

    async authorizationUrl(checks) {
      const config = await configuration();
      const params: Record<string, string> = {
        ...settings.requestParams,
        redirect_uri: settings.redirectUri,
        scope: settings.scopes.join(' '),
        response_type: 'code',
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      };
      return oidc.buildAuthorizationUrl(config, params).toString();
    },

    async exchangeCode(callback, checks) {
      const config = await configuration();
      let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        response = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw translateOidcError(error, 'code exchange');
      }
      checkAlg(response.id_token);
      const claims = response.claims();
      if (!claims) throw new PortcullisError('AUTHN_TOKEN_INVALID', 'no ID token');
      const info = await userinfo(config, response.access_token, claims.sub);
      return {
        tokens: toTokenSet(response, ''),
        identity: extractIdentity(claims as Record<string, unknown>, info, identityOptions),
      };
    },

    async refresh(refreshToken, expectedSubject) {
      const config = await configuration();
      let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        response = await oidc.refreshTokenGrant(config, refreshToken);
      } catch (error) {
        throw translateOidcError(error, 'refresh');
      }
      checkAlg(response.id_token);
      const claims = response.claims();
      if (claims && claims.sub !== expectedSubject) {
        throw new PortcullisError('AUTHN_TOKEN_INVALID', 'refreshed ID token has another subject');
      }
      const info = await userinfo(config, response.access_token, expectedSubject);
      const identity =
        claims || info
          ? extractIdentity(
              (claims ?? { sub: expectedSubject }) as Record<string, unknown>,
              info,
              identityOptions,
            )
          : null;
      return { tokens: toTokenSet(response, refreshToken), identity };
    },

    async revoke(token, hint) {
      const config = await configuration();
      if (!config.serverMetadata().revocation_endpoint) return false;
      try {
        await oidc.tokenRevocation(config, token, { token_type_hint: hint });
        return true;
      } catch (error) {
        throw translateOidcError(error, 'revocation');
      }
    },

    async endSessionUrl(idTokenHint, postLogoutRedirectUri) {
      const config = await configuration();
      if (!config.serverMetadata().end_session_endpoint) return null;
      return oidc
        .buildEndSessionUrl(config, {
          id_token_hint: idTokenHint,
          client_id: settings.clientId,
          post_logout_redirect_uri: postLogoutRedirectUri,
        })
        .toString();
    },
  };
}

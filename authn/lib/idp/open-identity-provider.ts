// The OIDC relying party for one identity provider (openid-client v6): discovery, authorization
// URL with PKCE S256 + state + nonce, code exchange, userinfo, refresh, revocation and
// RP-initiated logout. openid-client does not check ID-token signatures: every ID token and
// signed userinfo goes through verify-idp-jwt.ts against the cached JWKS (wire/idp-key-set.ts).
import * as oidc from 'openid-client';
import { PortcullisError } from '../../../errors/index.js';
import {
  createIdpKeySet,
  extractIdentity,
  type Identity,
  type IdpKeySet,
} from '../../../wire/index.js';
import type { OidcQuirks } from './oidc-quirks.js';
import { translateOidcError } from './translate-oidc-error.js';
import {
  ID_TOKEN_LEEWAY_S,
  verifyIdToken,
  verifyLogoutToken,
  verifyUserInfoJwt,
} from './verify-idp-jwt.js';

export { ID_TOKEN_ALGORITHMS } from './verify-idp-jwt.js';

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
  /** `idp_trust_unverified_email`: an email without `email_verified: true` still counts. */
  readonly trustUnverifiedEmail?: boolean;
  /** Per-request timeout (ms). */
  readonly timeoutMs: number;
  /** The preset's checks and claim fixes after ID-token verification (oidc-quirks.ts). */
  readonly quirks?: OidcQuirks;
  /**
   * A client secret minted per use instead of `clientSecret` (Apple's ES256 client-secret JWT,
   * apple-client-secret.ts); `clientSecret` then holds the key and is never sent.
   */
  readonly clientSecretSource?: () => Promise<string>;
  /** The IdP sends the user's name only once (Apple): a sign-in without one keeps the stored name. */
  readonly keepStoredName?: boolean;
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
  /** JWKS fetches so far (tests, metrics). */
  readonly jwksFetches: number;
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
  /** A back-channel logout token, verified like an ID token (verify-idp-jwt.ts). */
  verifyLogoutToken(jwt: string): Promise<{ readonly sub?: string; readonly sid?: string }>;
  /** RFC 7009; false when the IdP has no revocation endpoint. */
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean>;
  /** RP-initiated logout URL, or null when the IdP has no end_session_endpoint. */
  endSessionUrl(idTokenHint: string, postLogoutRedirectUri: string): Promise<string | null>;
}

export interface OpenIdpOptions {
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

interface Discovered {
  readonly config: oidc.Configuration;
  readonly keySet: IdpKeySet;
}

/** Creates the relying party; discovery happens on first use and is retried after a failure. */
export function openIdentityProvider(
  settings: IdpSettings,
  options: OpenIdpOptions = {},
): IdentityProvider {
  const now = options.now ?? Date.now;
  let pending: Promise<Discovered> | null = null;
  let lastKeySet: IdpKeySet | null = null;

  async function discover(): Promise<Discovered> {
    const issuer = new URL(settings.issuer);
    // Plain http works as in Pomerium; config load warns about it outside loopback.
    const insecure = issuer.protocol === 'http:';
    const discoveryOptions: oidc.DiscoveryRequestOptions = {
      timeout: Math.ceil(settings.timeoutMs / 1000),
      ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      ...(options.fetch ? { [oidc.customFetch]: options.fetch as oidc.CustomFetch } : {}),
    };
    let config: oidc.Configuration;
    try {
      const probe = await oidc.discovery(
        issuer,
        settings.clientId,
        undefined,
        undefined,
        discoveryOptions,
      );
      const methods = probe.serverMetadata().token_endpoint_auth_methods_supported;
      const basic = !methods || methods.includes('client_secret_basic');
      const source = settings.clientSecretSource;
      const auth: oidc.ClientAuth = source
        ? // the secret is minted when a request needs it (the runtime awaits a ClientAuth)
          ((async (as, client, body, headers) => {
            const secret = await source();
            const method = basic ? oidc.ClientSecretBasic(secret) : oidc.ClientSecretPost(secret);
            return method(as, client, body, headers);
          }) as (...args: Parameters<oidc.ClientAuth>) => Promise<void> as oidc.ClientAuth)
        : basic
          ? oidc.ClientSecretBasic(settings.clientSecret)
          : oidc.ClientSecretPost(settings.clientSecret);
      config = new oidc.Configuration(
        probe.serverMetadata(),
        settings.clientId,
        // openid-client's own claim checks get the same leeway; ours (verify-idp-jwt.ts) decide
        {
          ...(source ? {} : { client_secret: settings.clientSecret }),
          [oidc.clockTolerance]: ID_TOKEN_LEEWAY_S,
        },
        auth,
      );
      if (insecure) oidc.allowInsecureRequests(config);
      if (options.fetch) config[oidc.customFetch] = options.fetch as oidc.CustomFetch;
      config.timeout = Math.ceil(settings.timeoutMs / 1000);
    } catch (error) {
      throw translateOidcError(error, 'discovery');
    }
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri) {
      throw new PortcullisError('AUTHN_IDP_UNAVAILABLE', 'the IdP publishes no jwks_uri');
    }
    const jwks = new URL(jwksUri);
    // An https issuer's keys come over https; a plain-http issuer (warned at load) may serve them
    // over http too.
    if (jwks.protocol !== 'https:' && !(insecure && jwks.protocol === 'http:')) {
      throw new PortcullisError('AUTHN_IDP_UNAVAILABLE', 'the IdP jwks_uri must use https');
    }
    const keySet = createIdpKeySet({
      jwksUri,
      now,
      timeoutMs: settings.timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    lastKeySet = keySet;
    return { config, keySet };
  }

  function configuration(): Promise<Discovered> {
    if (!pending) {
      pending = discover();
      pending.catch(() => {
        pending = null;
      });
    }
    return pending;
  }

  function checks(d: Discovered) {
    return {
      keySet: d.keySet,
      issuer: d.config.serverMetadata().issuer,
      clientId: settings.clientId,
      now: now(),
    };
  }

  function toTokenSet(
    r: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    claims: { iss?: string; sub: string; iat: number; exp: number } | null,
    previousRefreshToken: string,
  ): TokenSet {
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
              issuer: claims.iss ?? '',
              subject: claims.sub,
              issuedAt: Math.max(0, Math.floor(claims.iat * 1000)),
              expiresAt: Math.max(0, Math.floor(claims.exp * 1000)),
            }
          : null,
    };
  }

  /** Userinfo as JSON, or as a signed JWT verified like an ID token; `sub` must match. */
  async function userinfo(
    d: Discovered,
    accessToken: string,
    subject: string,
  ): Promise<Record<string, unknown> | undefined> {
    const endpoint = d.config.serverMetadata().userinfo_endpoint;
    if (!endpoint) return undefined;
    let res: Response;
    try {
      res = await oidc.fetchProtectedResource(
        d.config,
        accessToken,
        new URL(endpoint),
        'GET',
        undefined,
        new Headers({ accept: 'application/json, application/jwt' }),
      );
    } catch (error) {
      throw translateOidcError(error, 'userinfo');
    }
    if (res.status !== 200) {
      throw new PortcullisError(
        res.status >= 500 ? 'AUTHN_IDP_UNAVAILABLE' : 'AUTHN_TOKEN_INVALID',
        `userinfo: the IdP answered ${res.status}`,
      );
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    const text = await res.text();
    if (type === 'application/jwt') {
      return verifyUserInfoJwt(text.trim(), { ...checks(d), subject }) as Promise<
        Record<string, unknown>
      >;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PortcullisError('AUTHN_TOKEN_INVALID', 'userinfo is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new PortcullisError('AUTHN_TOKEN_INVALID', 'userinfo is not a JSON object');
    }
    if ((body as { sub?: unknown }).sub !== subject) {
      throw new PortcullisError('AUTHN_TOKEN_INVALID', 'userinfo names another subject');
    }
    const info = body as Record<string, unknown>;
    return settings.quirks?.userinfo ? settings.quirks.userinfo(info) : info;
  }

  const identityOptions = {
    userIdClaim: settings.userIdClaim,
    groupsClaim: settings.groupsClaim,
    ...(settings.trustUnverifiedEmail ? { trustUnverifiedEmail: true } : {}),
  };

  return {
    settings,
    formPost: settings.requestParams.response_mode === 'form_post',
    get jwksFetches() {
      return lastKeySet?.fetches ?? 0;
    },

    async authorizationUrl(checks) {
      const { config } = await configuration();
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

    async exchangeCode(callback, login) {
      const d = await configuration();
      // a form_post callback's other fields (Apple's `user`) are offered to the preset
      const form =
        callback instanceof URL ? undefined : new URLSearchParams(await callback.clone().text());
      let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        response = await oidc.authorizationCodeGrant(d.config, callback, {
          pkceCodeVerifier: login.codeVerifier,
          expectedState: login.state,
          expectedNonce: login.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw translateOidcError(error, 'code exchange');
      }
      if (!response.id_token) throw new PortcullisError('AUTHN_TOKEN_INVALID', 'no ID token');
      const claims = await verifyIdToken(response.id_token, { ...checks(d), nonce: login.nonce });
      const adjusted = settings.quirks
        ? await settings.quirks.claims(
            claims as Record<string, unknown>,
            response.access_token,
            form ? { form } : {},
          )
        : (claims as Record<string, unknown>);
      const info = await userinfo(d, response.access_token, claims.sub);
      return {
        tokens: toTokenSet(response, claims, ''),
        identity: extractIdentity(adjusted, info, identityOptions),
      };
    },

    async refresh(refreshToken, expectedSubject) {
      const d = await configuration();
      let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
      try {
        response = await oidc.refreshTokenGrant(d.config, refreshToken);
      } catch (error) {
        throw translateOidcError(error, 'refresh');
      }
      const claims = response.id_token ? await verifyIdToken(response.id_token, checks(d)) : null;
      if (claims && claims.sub !== expectedSubject) {
        throw new PortcullisError('AUTHN_TOKEN_INVALID', 'refreshed ID token has another subject');
      }
      const adjusted =
        claims && settings.quirks
          ? await settings.quirks.claims(claims as Record<string, unknown>, response.access_token)
          : claims;
      const info = await userinfo(d, response.access_token, expectedSubject);
      const identity =
        adjusted || info
          ? extractIdentity(
              (adjusted ?? { sub: expectedSubject }) as Record<string, unknown>,
              info,
              identityOptions,
            )
          : null;
      return { tokens: toTokenSet(response, claims, refreshToken), identity };
    },

    async verifyLogoutToken(jwt) {
      return verifyLogoutToken(jwt, checks(await configuration()));
    },

    async revoke(token, hint) {
      const { config } = await configuration();
      if (!config.serverMetadata().revocation_endpoint) return false;
      try {
        await oidc.tokenRevocation(config, token, { token_type_hint: hint });
        return true;
      } catch (error) {
        throw translateOidcError(error, 'revocation');
      }
    },

    async endSessionUrl(idTokenHint, postLogoutRedirectUri) {
      const { config } = await configuration();
      const own = settings.quirks?.endSessionUrl?.(config.serverMetadata(), {
        idTokenHint,
        postLogoutRedirectUri,
        clientId: settings.clientId,
      });
      if (own !== undefined) return own;
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

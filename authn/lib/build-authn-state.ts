// Builds the immutable authn state from one config: derived keys, signing keys and JWKS, hosts,
// identity providers, cookie settings. A reload builds a new state; nothing here is edited.
import { createHash } from 'node:crypto';
import { PortcullisError } from '../../errors/index.js';
import {
  buildJwks,
  computeIdpId,
  type DerivedKeys,
  deriveKeys,
  generateSigningKeyPem,
  loadSigningKeys,
  type SigningKey,
} from '../../wire/index.js';
import type { AuthnConfig, AuthnRoute } from './authn-config.js';
import {
  type AuthenticateCookieNames,
  authenticateCookieNames,
  type CookieOptions,
} from './cookies.js';
import {
  appleClientSecret,
  describePresignedSecret,
  isPemPrivateKey,
  loadAppleKey,
} from './idp/apple-client-secret.js';
import { openGithubProvider } from './idp/github-provider.js';
import { idpPreset, isDefaultScopes, issuerFor, quirksFor } from './idp/idp-presets.js';
import {
  type IdentityProvider,
  type OpenIdpOptions,
  openIdentityProvider,
} from './idp/open-identity-provider.js';

export interface AuthnState {
  readonly config: AuthnConfig;
  readonly keys: DerivedKeys;
  readonly signingKeys: readonly SigningKey[];
  readonly jwks: { readonly body: string; readonly etag: string };
  /** `authenticate_service_url` (origin only). */
  readonly authenticateUrl: URL;
  /** Lower-case hostname of the authenticate service. */
  readonly authenticateHost: string;
  readonly idps: ReadonlyMap<string, IdentityProvider>;
  readonly defaultIdpId: string;
  /** Base attributes of the route-host session cookie (Path=/, no Max-Age yet). */
  readonly cookieBase: Omit<CookieOptions, 'maxAge'>;
  /** Base attributes of authenticate-host cookies: host-only (no Domain), Path=/. */
  readonly hostCookieBase: Omit<CookieOptions, 'maxAge'>;
  /** Names of the authenticate-host cookies (`__Host-` prefixed when cookies are Secure). */
  readonly cookieNames: AuthenticateCookieNames;
  /** Session lifetime (cookie_expire), ms. */
  readonly sessionTtlMs: number;
  /** True when `hostname` (lower case, no port) is the host of a route. */
  isRouteHost(hostname: string): boolean;
  /** The first route served on a host (for its idp id), if any. */
  routeForHost(hostname: string): AuthnRoute | undefined;
  idpIdFor(route: AuthnRoute | undefined): string;
}

export interface BuildStateOptions extends OpenIdpOptions {
  /** Use these instead of `signing_key` (all-in-one mode shares one generated key). */
  readonly signingKeys?: readonly SigningKey[];
  /** Called once per unsafe setting (e.g. a generated signing key). */
  readonly warn?: (message: string) => void;
  /** IdP request timeout, ms (default 10 s). */
  readonly idpTimeoutMs?: number;
}

function hostPattern(from: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(from);
  return m ? (m[1] as string).toLowerCase() : null;
}

export function buildAuthnState(config: AuthnConfig, options: BuildStateOptions = {}): AuthnState {
  if (!config.authenticate_service_url) {
    throw new PortcullisError('CONFIG_INVALID', 'authenticate_service_url is required for authn');
  }
  if (!config.shared_secret) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      'shared_secret is required for authn (all-in-one mode generates one before starting services)',
    );
  }
  const keys = deriveKeys(config.shared_secret, config.cookie_secret);
  let signingKeys = options.signingKeys;
  if (!signingKeys) {
    if (config.signing_key) signingKeys = loadSigningKeys(config.signing_key);
    else {
      options.warn?.(
        'signing_key is not set: a temporary P-256 key was generated for this process',
      );
      signingKeys = loadSigningKeys(generateSigningKeyPem());
    }
  }
  const jwksBody = JSON.stringify(buildJwks(signingKeys));
  const jwks = {
    body: jwksBody,
    etag: `"${createHash('sha256').update(jwksBody).digest('base64url').slice(0, 27)}"`,
  };

  const authenticateUrl = new URL(new URL(config.authenticate_service_url).origin);
  const exact = new Map<string, AuthnRoute>();
  const wildcards: [string, AuthnRoute][] = [];
  for (const route of config.routes) {
    const host = hostPattern(route.from);
    if (!host) continue;
    if (host.startsWith('*.')) wildcards.push([host.slice(1), route]);
    else if (!exact.has(host)) exact.set(host, route);
  }
  const routeForHost = (hostname: string): AuthnRoute | undefined =>
    exact.get(hostname) ?? wildcards.find(([suffix]) => hostname.endsWith(suffix))?.[1];

  const preset = idpPreset(config.idp_provider);
  const configuredIssuer = config.idp_provider_url ?? preset.defaultIssuer;
  const issuer = configuredIssuer && issuerFor(config.idp_provider, configuredIssuer);
  const scopes = isDefaultScopes(config.idp_scopes) ? preset.scopes : config.idp_scopes;
  const requestParams = { ...preset.requestParams, ...(config.idp_request_params ?? {}) };
  const idps = new Map<string, IdentityProvider>();
  const isApple = config.idp_provider.toLowerCase() === 'apple';
  /** Apple's client secret: minted from the .p8 key, or Pomerium's pre-signed JWT (checked). */
  const appleSecret = (clientId: string, secret: string, audience: string) => {
    if (!isPemPrivateKey(secret)) {
      const problem = describePresignedSecret(secret, (options.now ?? Date.now)());
      if (problem) options.warn?.(problem);
      return { keepStoredName: true };
    }
    const teamId = config.idp_apple_team_id;
    const keyId = config.idp_apple_key_id;
    if (!teamId || !keyId) {
      throw new PortcullisError(
        'CONFIG_INVALID',
        'idp_client_secret is an Apple private key: idp_apple_team_id and idp_apple_key_id are required to sign the client secret',
      );
    }
    return {
      keepStoredName: true,
      clientSecretSource: appleClientSecret({
        teamId,
        keyId,
        clientId,
        audience,
        privateKey: loadAppleKey(secret),
        now: options.now ?? Date.now,
      }),
    };
  };
  const idpIdFor = (route: AuthnRoute | undefined): string => computeIdpId(config, route);
  const addIdp = (route: AuthnRoute | undefined): void => {
    const id = idpIdFor(route);
    if (idps.has(id)) return;
    const clientId = route?.idp_client_id || config.idp_client_id;
    const clientSecret = route?.idp_client_secret || config.idp_client_secret;
    if (!issuer || !clientId || !clientSecret) {
      throw new PortcullisError(
        'CONFIG_INVALID',
        'idp_provider_url, idp_client_id and idp_client_secret are required for authn',
      );
    }
    const settings = {
      id,
      issuer,
      clientId,
      clientSecret,
      ...(isApple ? appleSecret(clientId, clientSecret, issuer) : {}),
      scopes,
      requestParams,
      redirectUri: new URL('/oauth2/callback', authenticateUrl).toString(),
      userIdClaim: preset.userIdClaim,
      groupsClaim: config.groups_claim,
      trustUnverifiedEmail: config.idp_trust_unverified_email === true,
      timeoutMs: options.idpTimeoutMs ?? 10_000,
      ...quirksFor(config.idp_provider, issuer, config.idp_request_params, {
        timeoutMs: options.idpTimeoutMs ?? 10_000,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    };
    idps.set(
      id,
      config.idp_provider.toLowerCase() === 'github'
        ? openGithubProvider(settings, config.idp_provider_url, options)
        : openIdentityProvider(settings, options),
    );
  };
  addIdp(undefined);
  for (const route of config.routes) {
    if (route.idp_client_id || route.idp_client_secret) addIdp(route);
  }

  return Object.freeze({
    config,
    keys,
    signingKeys,
    jwks,
    authenticateUrl,
    authenticateHost: authenticateUrl.hostname.toLowerCase(),
    idps,
    defaultIdpId: idpIdFor(undefined),
    cookieBase: {
      secure: config.cookie_secure,
      httpOnly: config.cookie_http_only,
      sameSite: config.cookie_same_site,
      domain: config.cookie_domain || undefined,
      path: '/',
    },
    hostCookieBase: {
      secure: config.cookie_secure,
      httpOnly: true,
      sameSite: config.cookie_same_site,
      domain: undefined,
      path: '/',
    },
    cookieNames: authenticateCookieNames(config.cookie_secure),
    sessionTtlMs: config.cookie_expire,
    isRouteHost: (hostname: string) => routeForHost(hostname) !== undefined,
    routeForHost,
    idpIdFor,
  });
}

// GitHub (idp_provider: github) is OAuth 2 without OpenID Connect: no ID token, no discovery.
// Sign-in is the authorization code flow (PKCE S256 + state) at <base>/login/oauth/*; the
// identity comes from GitHub's REST API with the user's token: /user (the stable numeric id is
// the user id: logins can be renamed), /user/emails (only a verified primary address counts; a
// user without one is refused), /user/orgs and /user/teams (groups: `org` and `org/team-slug`).
// Lists follow the Link header's rel="next" on the API's own origin only (a link elsewhere
// would carry the token away); a rate-limited answer is a clear AUTHN_IDP_UNAVAILABLE.
// docs/identity-providers.md describes the preset.
import { createHash } from 'node:crypto';
import { PortcullisError } from '../../../errors/index.js';
import { extractIdentity, type Identity } from '../../../wire/index.js';
import type {
  IdentityProvider,
  IdpSettings,
  LoginResult,
  OpenIdpOptions,
  TokenSet,
} from './open-identity-provider.js';

/** At most this many pages per list (100 entries each): 10,000 orgs or teams. */
const MAX_PAGES = 100;

export interface GithubEndpoints {
  readonly authorize: string;
  readonly token: string;
  /** REST API base without a trailing slash. */
  readonly api: string;
}

/**
 * github.com (the default) has its API on api.github.com; GitHub Enterprise Server
 * (`idp_provider_url: https://github.example.com`) serves it under /api/v3.
 */
export function githubEndpoints(providerUrl: string | undefined): GithubEndpoints {
  const url = new URL(providerUrl ?? 'https://github.com');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  const api =
    url.hostname === 'github.com' || url.hostname === 'www.github.com'
      ? 'https://api.github.com'
      : `${base}/api/v3`;
  return {
    authorize: `${base}/login/oauth/authorize`,
    token: `${base}/login/oauth/access_token`,
    api,
  };
}

/** The URL of rel="next" in a Link header, or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel="?([^";]*\s)?next(\s[^";]*)?"?\s*(?:;|$)/.test(m[2] ?? '')) {
      return m[1] ?? null;
    }
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function openGithubProvider(
  settings: IdpSettings,
  providerUrl: string | undefined,
  options: OpenIdpOptions = {},
): IdentityProvider {
  const endpoints = githubEndpoints(providerUrl);
  const apiOrigin = new URL(endpoints.api).origin;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;

  async function call(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await doFetch(url, { ...init, signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (error) {
      throw new PortcullisError(
        'AUTHN_IDP_UNAVAILABLE',
        `GitHub ${what}: ${(error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable'}`,
      );
    }
  }

  async function readJson(res: Response, what: string): Promise<unknown> {
    try {
      return JSON.parse(await res.text());
    } catch {
      throw new PortcullisError('AUTHN_IDP_ERROR', `GitHub ${what}: the answer is not JSON`);
    }
  }

  /** A rate-limited or failed API answer as a clear error. */
  function apiFailure(res: Response, what: string): PortcullisError {
    const remaining = res.headers.get('x-ratelimit-remaining');
    if (
      res.status === 429 ||
      (res.status === 403 && (remaining === '0' || res.headers.has('retry-after')))
    ) {
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      const retry = res.headers.get('retry-after');
      const when = retry
        ? `retry after ${Number(retry) || 60} s`
        : Number.isFinite(reset) && reset > 0
          ? `the limit resets at ${new Date(reset * 1000).toISOString()}`
          : 'try again later';
      return new PortcullisError(
        'AUTHN_IDP_UNAVAILABLE',
        `GitHub ${what}: the GitHub API rate limit is exhausted (${when})`,
      );
    }
    if (res.status === 401) {
      return new PortcullisError('AUTHN_TOKEN_INVALID', `GitHub ${what}: the token was refused`);
    }
    return new PortcullisError(
      res.status >= 500 ? 'AUTHN_IDP_UNAVAILABLE' : 'AUTHN_IDP_ERROR',
      `GitHub ${what}: the API answered ${res.status}`,
    );
  }

  function apiHeaders(token: string): Record<string, string> {
    return {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'portcullis',
    };
  }

  async function getObject(token: string, path: string): Promise<Record<string, unknown>> {
    const res = await call(`${endpoints.api}${path}`, { headers: apiHeaders(token) }, path);
    if (res.status !== 200) throw apiFailure(res, path);
    const body = await readJson(res, path);
    if (!isObject(body))
      throw new PortcullisError('AUTHN_IDP_ERROR', `GitHub ${path}: not an object`);
    return body;
  }

  /** Every page of a list endpoint, following rel="next" on the API origin only. */
  async function getList(token: string, path: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let url: string | null = `${endpoints.api}${path}${path.includes('?') ? '&' : '?'}per_page=100`;
    for (let page = 0; url; page++) {
      if (page >= MAX_PAGES) {
        throw new PortcullisError(
          'AUTHN_IDP_ERROR',
          `GitHub ${path}: more than ${MAX_PAGES} pages`,
        );
      }
      const res = await call(url, { headers: apiHeaders(token) }, path);
      if (res.status !== 200) throw apiFailure(res, path);
      const body = await readJson(res, path);
      if (!Array.isArray(body))
        throw new PortcullisError('AUTHN_IDP_ERROR', `GitHub ${path}: not a list`);
      for (const item of body) if (isObject(item)) items.push(item);
      const next = nextLink(res.headers.get('link'));
      if (next !== null) {
        let parsed: URL;
        try {
          parsed = new URL(next, url);
        } catch {
          throw new PortcullisError('AUTHN_IDP_ERROR', `GitHub ${path}: a malformed next link`);
        }
        if (parsed.origin !== apiOrigin) {
          throw new PortcullisError(
            'AUTHN_IDP_ERROR',
            `GitHub ${path}: the next page is on another origin (${parsed.origin}); refused`,
          );
        }
        url = parsed.toString();
      } else url = null;
    }
    return items;
  }

  async function tokenRequest(form: Record<string, string>, what: string): Promise<TokenSet> {
    const res = await call(
      endpoints.token,
      {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': 'portcullis',
        },
        body: new URLSearchParams({
          client_id: settings.clientId,
          client_secret: settings.clientSecret,
          ...form,
        }).toString(),
      },
      what,
    );
    if (res.status >= 500) throw apiFailure(res, what);
    const body = await readJson(res, what);
    // GitHub answers token errors with 200 and an `error` field.
    if (!isObject(body) || typeof body.error === 'string' || res.status !== 200) {
      const error =
        isObject(body) && typeof body.error === 'string' ? body.error : String(res.status);
      throw new PortcullisError(
        error === 'bad_verification_code' ||
          error === 'bad_refresh_token' ||
          error === 'incorrect_client_credentials'
          ? 'AUTHN_TOKEN_INVALID'
          : 'AUTHN_IDP_ERROR',
        `GitHub ${what}: ${error.slice(0, 64)}`,
      );
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new PortcullisError('AUTHN_TOKEN_INVALID', `GitHub ${what}: no access token`);
    }
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      tokenType: typeof body.token_type === 'string' ? body.token_type : 'bearer',
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : '',
      accessTokenExpiresAt:
        Number.isFinite(expiresIn) && expiresIn > 0 ? now() + expiresIn * 1000 : 0,
      idToken: null,
    };
  }

  /** The identity behind a token: user, verified primary email, orgs and teams as groups. */
  async function identityOf(token: string): Promise<Identity> {
    const user = await getObject(token, '/user');
    const id = user.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
      throw new PortcullisError('AUTHN_TOKEN_INVALID', 'GitHub /user: no numeric id');
    }
    const [emails, orgs, teams] = await Promise.all([
      getList(token, '/user/emails'),
      getList(token, '/user/orgs'),
      getList(token, '/user/teams'),
    ]);
    const primary = emails.find((e) => e.primary === true && e.verified === true);
    if (!primary || typeof primary.email !== 'string') {
      throw new PortcullisError(
        'AUTHN_ACCESS_DENIED',
        'the GitHub account has no verified primary email address',
      );
    }
    const groups: string[] = [];
    for (const org of orgs) if (typeof org.login === 'string') groups.push(org.login);
    for (const team of teams) {
      const org = isObject(team.organization) ? team.organization.login : undefined;
      if (typeof org === 'string' && typeof team.slug === 'string')
        groups.push(`${org}/${team.slug}`);
    }
    const claims: Record<string, unknown> = {
      sub: String(id),
      email: primary.email,
      email_verified: true,
      groups,
      ...(typeof user.login === 'string' ? { login: user.login } : {}),
      ...(typeof user.name === 'string' ? { name: user.name } : {}),
    };
    return extractIdentity(claims, undefined, { userIdClaim: 'sub', groupsClaim: 'groups' });
  }

  return {
    settings,
    formPost: false,
    jwksFetches: 0,

    async authorizationUrl(checks) {
      const url = new URL(endpoints.authorize);
      const challenge = createHash('sha256').update(checks.codeVerifier).digest('base64url');
      const params: Record<string, string> = {
        ...settings.requestParams,
        client_id: settings.clientId,
        redirect_uri: settings.redirectUri,
        scope: settings.scopes.join(' '),
        state: checks.state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.toString();
    },

    async exchangeCode(callback, checks): Promise<LoginResult> {
      const params =
        callback instanceof URL
          ? callback.searchParams
          : new URLSearchParams(await callback.clone().text());
      if (params.get('state') !== checks.state) {
        throw new PortcullisError('AUTHN_STATE_INVALID', 'GitHub callback: state mismatch');
      }
      const code = params.get('code');
      if (!code) throw new PortcullisError('AUTHN_BAD_REQUEST', 'GitHub callback: no code');
      const tokens = await tokenRequest(
        { code, redirect_uri: settings.redirectUri, code_verifier: checks.codeVerifier },
        'code exchange',
      );
      return { tokens, identity: await identityOf(tokens.accessToken) };
    },

    async refresh(refreshToken, expectedSubject) {
      const tokens = await tokenRequest(
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        'refresh',
      );
      const identity = await identityOf(tokens.accessToken);
      if (identity.userId !== expectedSubject) {
        throw new PortcullisError('AUTHN_TOKEN_INVALID', 'GitHub refresh: another user');
      }
      return { tokens: { ...tokens, refreshToken: tokens.refreshToken || refreshToken }, identity };
    },

    async verifyLogoutToken() {
      throw new PortcullisError('AUTHN_BAD_REQUEST', 'GitHub has no back-channel logout');
    },

    async revoke() {
      return false;
    },

    async endSessionUrl() {
      return null;
    },
  };
}

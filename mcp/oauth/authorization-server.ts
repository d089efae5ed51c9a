// The OAuth 2.1 authorization server Portcullis runs for MCP clients on every `mcp: server:`
// route host (docs/mcp.md), as Pomerium does (its internal/mcp: issuer = the route's origin,
// endpoints under /.pomerium/mcp/): RFC 8414 metadata, authorization code + PKCE S256 only,
// RFC 7591 registration behind `mcp_dynamic_client_registration`, client ID metadata documents
// limited by `mcp_allowed_client_id_domains`, RFC 8707 audience-bound access tokens backed by
// the databroker session of the sign-in and a grant record, refresh tokens rotated on every use
// (a rotated one used again revokes its whole family), RFC 7009 revocation. No token of the
// IdP ever leaves: the client gets our tokens only. HTTP-free: authn adapts these answers.
import { createHash } from 'node:crypto';
import type { McpClient, McpCode, McpGrant, RecordStore } from '../../databroker/index.js';
import { type ClientMetadata, ClientMetadataError, isClientIdUrl } from './client-id-metadata.js';
import {
  ACCESS_TOKEN_TTL_S,
  CODE_TTL_MS,
  hashSecret,
  type McpAccessClaims,
  randomSecret,
  readAccessToken,
  signMcpToken,
} from './mcp-tokens.js';
import { redirectUriProblem } from './redirect-uris.js';

export const MCP_OAUTH_PREFIX = '/.pomerium/mcp';
export const AUTHORIZE_PATH = `${MCP_OAUTH_PREFIX}/authorize`;
export const TOKEN_PATH = `${MCP_OAUTH_PREFIX}/token`;
export const REGISTER_PATH = `${MCP_OAUTH_PREFIX}/register`;
export const REVOKE_PATH = `${MCP_OAUTH_PREFIX}/revoke`;
export const AUTHORIZATION_SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';

/** One answer of the authorization server (JSON, or a redirect). */
export interface OAuthAnswer {
  readonly status: number;
  readonly body?: Record<string, unknown>;
  readonly location?: string;
}

export interface AuthorizationServer {
  /** `scheme://host[:port]` of the route host: the issuer. */
  readonly issuer: string;
  readonly store: RecordStore;
  readonly now: number;
  /** Key of the access tokens (mcp/oauth/mcp-tokens.ts). */
  readonly accessKey: Uint8Array;
  readonly registrationEnabled: boolean;
  /** Fetches a URL client id's document (mcp/oauth/client-id-metadata.ts). */
  readonly fetchClientMetadata: (clientId: string) => Promise<ClientMetadata>;
}

/** Who passed the route's policy at the authorize step (authz vouched for it). */
export interface AuthorizingUser {
  readonly sessionId: string;
  readonly userId: string;
  readonly idpId: string;
}

/** The RFC 8414 metadata of the server at `issuer`. */
export function authorizationServerMetadata(
  issuer: string,
  registrationEnabled: boolean,
  clientIdDocuments: boolean,
): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}${AUTHORIZE_PATH}`,
    token_endpoint: `${issuer}${TOKEN_PATH}`,
    ...(registrationEnabled ? { registration_endpoint: `${issuer}${REGISTER_PATH}` } : {}),
    revocation_endpoint: `${issuer}${REVOKE_PATH}`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    client_id_metadata_document_supported: clientIdDocuments,
    authorization_response_iss_parameter_supported: true,
  };
}

const oauthError = (status: number, error: string, description: string): OAuthAnswer => ({
  status,
  body: { error, error_description: description },
});

/** A grant or code failure in the token endpoint: RFC 6749 §5.2. */
const invalidGrant = (d: string) => oauthError(400, 'invalid_grant', d);
const invalidRequest = (d: string) => oauthError(400, 'invalid_request', d);

/** One value of a parameter: a repeated one is refused (RFC 6749 §3.1). */
function single(params: URLSearchParams, name: string): string | null | 'repeated' {
  const all = params.getAll(name);
  if (all.length > 1) return 'repeated';
  return all[0] ?? null;
}

/** RFC 7636 §4.1: 43–128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** S256 challenges are a base64url SHA-256: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

const s256 = (verifier: string): string =>
  createHash('sha256').update(verifier).digest('base64url');

// ---- clients ---------------------------------------------------------------------------------

/** A client by id: a registered one, or a URL client id's fetched document. */
async function findClient(
  as: AuthorizationServer,
  clientId: string,
): Promise<{ client: { readonly redirect_uris: readonly string[] } } | { refused: OAuthAnswer }> {
  if (isClientIdUrl(clientId)) {
    try {
      return { client: await as.fetchClientMetadata(clientId) };
    } catch (e) {
      if (!(e instanceof ClientMetadataError)) throw e;
      const status = e.kind === 'domain' ? 401 : 400;
      return { refused: oauthError(status, 'invalid_client', e.message) };
    }
  }
  if (clientId.length > 200)
    return { refused: oauthError(401, 'invalid_client', 'unknown client') };
  const found = await as.store.get('mcp_client', clientId);
  if (found?.data == null) {
    return { refused: oauthError(401, 'invalid_client', 'the client is not registered') };
  }
  return { client: found.data };
}

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);

/** RFC 7591 registration (public clients only: the answer's auth method is always `none`). */
export async function registerClient(as: AuthorizationServer, body: unknown): Promise<OAuthAnswer> {
  if (!as.registrationEnabled) {
    return oauthError(
      403,
      'access_denied',
      'dynamic client registration is off (runtime flag mcp_dynamic_client_registration)',
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return oauthError(400, 'invalid_client_metadata', 'the body must be a JSON object');
  }
  const m = body as Record<string, unknown>;
  const uris = m.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 10) {
    return oauthError(400, 'invalid_redirect_uri', 'redirect_uris must list 1 to 10 URIs');
  }
  for (const u of uris) {
    const problem = redirectUriProblem(u);
    if (problem !== null) return oauthError(400, 'invalid_redirect_uri', problem);
  }
  for (const [key, allowed] of [
    ['grant_types', GRANT_TYPES],
    ['response_types', new Set(['code'])],
  ] as const) {
    const v = m[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !allowed.has(x))) {
      return oauthError(400, 'invalid_client_metadata', `${key} may only be ${[...allowed]}`);
    }
  }
  const name = typeof m.client_name === 'string' ? m.client_name.slice(0, 200) : '';
  const client: McpClient = {
    id: `mcp-${randomSecret(18)}`,
    client_name: name,
    redirect_uris: uris as string[],
    created_at: as.now,
  };
  await as.store.put([{ type: 'mcp_client', id: client.id, data: client }]);
  return {
    status: 201,
    body: {
      client_id: client.id,
      client_id_issued_at: Math.floor(as.now / 1000),
      client_name: name,
      redirect_uris: client.redirect_uris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  };
}

// ---- authorize -------------------------------------------------------------------------------

function withParams(uri: string, params: Record<string, string>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** The resource of a request: absent = the whole host; else a URL on this host (RFC 8707). */
function resourceOf(as: AuthorizationServer, raw: string | null): string | null {
  if (raw === null) return as.issuer;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  if (u.origin !== as.issuer || raw.includes('#') || u.username || u.password) return null;
  return raw;
}

/**
 * The authorize step for a user whose session passed the route's policy (authz judged it): checks
 * the client and its exact redirect URI first (a failure there is shown, never redirected), then
 * the request (errors go back to the client's redirect URI), then issues a one-time code.
 */
export async function authorize(
  as: AuthorizationServer,
  q: URLSearchParams,
  user: AuthorizingUser,
): Promise<OAuthAnswer> {
  const clientId = single(q, 'client_id');
  if (clientId === null || clientId === 'repeated' || clientId === '') {
    return invalidRequest('client_id is required (once)');
  }
  const found = await findClient(as, clientId);
  if ('refused' in found) return found.refused;
  const redirectUri = single(q, 'redirect_uri');
  if (redirectUri === null || redirectUri === 'repeated') {
    return invalidRequest('redirect_uri is required (once)');
  }
  if (!found.client.redirect_uris.includes(redirectUri)) {
    return invalidRequest('redirect_uri is not one the client registered');
  }
  const state = single(q, 'state');
  const back = (error: string, description: string): OAuthAnswer => ({
    status: 302,
    location: withParams(redirectUri, {
      error,
      error_description: description,
      ...(typeof state === 'string' && state !== 'repeated' ? { state } : {}),
      iss: as.issuer,
    }),
  });
  if (state === 'repeated') return back('invalid_request', 'state may be sent once');
  if (single(q, 'response_type') !== 'code') {
    return back('unsupported_response_type', 'only response_type=code is supported');
  }
  const challenge = single(q, 'code_challenge');
  const method = single(q, 'code_challenge_method');
  if (challenge === null || challenge === 'repeated') {
    return back('invalid_request', 'PKCE is required: send code_challenge with method S256');
  }
  if (method !== 'S256') {
    return back('invalid_request', 'only code_challenge_method=S256 is supported (not plain)');
  }
  if (!S256_CHALLENGE.test(challenge)) {
    return back('invalid_request', 'code_challenge is not an S256 challenge');
  }
  const rawResource = q.getAll('resource');
  if (rawResource.length > 1) return back('invalid_target', 'one resource per request');
  const resource = resourceOf(as, rawResource[0] ?? null);
  if (resource === null) {
    return back('invalid_target', `the resource must be on ${as.issuer}`);
  }
  const code = randomSecret();
  const record: McpCode = {
    id: hashSecret(code),
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    resource,
    session_id: user.sessionId,
    user_id: user.userId,
    idp_id: user.idpId,
    expires_at: as.now + CODE_TTL_MS,
    grant_id: '',
  };
  await as.store.put([
    { type: 'mcp_code', id: record.id, data: record, expires_at: record.expires_at },
  ]);
  return {
    status: 302,
    location: withParams(redirectUri, {
      code,
      ...(typeof state === 'string' ? { state } : {}),
      iss: as.issuer,
    }),
  };
}

// ---- token -----------------------------------------------------------------------------------

async function liveSession(as: AuthorizationServer, id: string, userId: string) {
  const s = (await as.store.get('session', id))?.data;
  if (s == null || s.user_id !== userId || (s.expires_at !== 0 && s.expires_at <= as.now)) {
    return null;
  }
  return s;
}

function issue(as: AuthorizationServer, grant: McpGrant, refreshSecret: string): OAuthAnswer {
  const iat = Math.floor(as.now / 1000);
  const exp = Math.min(iat + ACCESS_TOKEN_TTL_S, Math.floor(grant.expires_at / 1000));
  const claims: McpAccessClaims = {
    iss: as.issuer,
    aud: grant.resource,
    sub: grant.user_id,
    sid: grant.session_id,
    gid: grant.id,
    idp_id: grant.idp_id,
    client_id: grant.client_id,
    iat,
    exp,
    jti: randomSecret(12),
  };
  return {
    status: 200,
    body: {
      access_token: signMcpToken('access', { ...claims }, as.accessKey),
      token_type: 'Bearer',
      expires_in: Math.max(0, exp - iat),
      refresh_token: `${grant.id}.${refreshSecret}`,
    },
  };
}

async function revokeGrant(as: AuthorizationServer, id: string): Promise<void> {
  await as.store.delete('mcp_grant', id);
}

async function redeemCode(as: AuthorizationServer, f: URLSearchParams): Promise<OAuthAnswer> {
  const code = single(f, 'code');
  const clientId = single(f, 'client_id');
  const redirectUri = single(f, 'redirect_uri');
  const verifier = single(f, 'code_verifier');
  for (const [k, v] of [
    ['code', code],
    ['client_id', clientId],
    ['redirect_uri', redirectUri],
  ] as const) {
    if (v === null || v === 'repeated') return invalidRequest(`${k} is required (once)`);
  }
  if (verifier === null || verifier === 'repeated') {
    return invalidRequest('code_verifier is required (PKCE)');
  }
  const stored = await as.store.get('mcp_code', hashSecret(code!));
  const c = stored?.data;
  if (stored == null || c == null || c.expires_at <= as.now) {
    return invalidGrant('the code is unknown or expired');
  }
  if (c.grant_id !== '') {
    // a replayed code: whatever it was redeemed for is revoked (OAuth 2.1 §4.1.3)
    if (c.grant_id !== '-') await revokeGrant(as, c.grant_id);
    return invalidGrant('the code was already used: the tokens issued for it are revoked');
  }
  const fail = async (answer: OAuthAnswer): Promise<OAuthAnswer> => {
    // one attempt per code: a failed redemption burns it
    await as.store
      .put([
        {
          type: 'mcp_code',
          id: c.id,
          data: { ...c, grant_id: '-' },
          expires_at: c.expires_at,
          expected_version: stored.version,
        },
      ])
      .catch(() => undefined);
    return answer;
  };
  if (c.client_id !== clientId) return fail(invalidGrant('the code was issued to another client'));
  if (c.redirect_uri !== redirectUri) return fail(invalidGrant('redirect_uri does not match'));
  if (!VERIFIER.test(verifier) || s256(verifier) !== c.code_challenge) {
    return fail(invalidGrant('the code_verifier does not match the code_challenge'));
  }
  const resource = f.getAll('resource');
  if (resource.length > 1 || (resource.length === 1 && resource[0] !== c.resource)) {
    return fail(oauthError(400, 'invalid_target', 'the resource is not the one authorized'));
  }
  const session = await liveSession(as, c.session_id, c.user_id);
  if (session === null) return fail(invalidGrant('the session that authorized the code ended'));
  const refreshSecret = randomSecret();
  const grant: McpGrant = {
    id: `g${randomSecret(18)}`,
    client_id: c.client_id,
    resource: c.resource,
    session_id: c.session_id,
    user_id: c.user_id,
    idp_id: c.idp_id,
    refresh_hash: hashSecret(refreshSecret),
    issued_at: as.now,
    expires_at: session.expires_at === 0 ? as.now + 86_400_000 : session.expires_at,
  };
  try {
    await as.store.put([
      {
        type: 'mcp_code',
        id: c.id,
        data: { ...c, grant_id: grant.id },
        expires_at: c.expires_at,
        expected_version: stored.version,
      },
      { type: 'mcp_grant', id: grant.id, data: grant, expires_at: grant.expires_at },
    ]);
  } catch {
    return invalidGrant('the code was already used');
  }
  return issue(as, grant, refreshSecret);
}

async function refresh(as: AuthorizationServer, f: URLSearchParams): Promise<OAuthAnswer> {
  const token = single(f, 'refresh_token');
  const clientId = single(f, 'client_id');
  if (token === null || token === 'repeated') return invalidRequest('refresh_token is required');
  if (clientId === null || clientId === 'repeated') return invalidRequest('client_id is required');
  const dot = token.indexOf('.');
  const gid = dot > 0 ? token.slice(0, dot) : '';
  if (gid === '' || gid.length > 64) return invalidGrant('the refresh token is unknown');
  const stored = await as.store.get('mcp_grant', gid);
  const g = stored?.data;
  if (stored == null || g == null || g.expires_at <= as.now) {
    return invalidGrant('the refresh token is unknown or revoked');
  }
  if (g.client_id !== clientId) return invalidGrant('the refresh token is another client’s');
  if (hashSecret(token.slice(dot + 1)) !== g.refresh_hash) {
    // a rotated refresh token used again: someone holds a copy; end the whole family
    await revokeGrant(as, g.id);
    return invalidGrant('the refresh token was already used: the grant is revoked');
  }
  const resource = f.getAll('resource');
  if (resource.length > 1 || (resource.length === 1 && resource[0] !== g.resource)) {
    return oauthError(400, 'invalid_target', 'the resource is not the one authorized');
  }
  if ((await liveSession(as, g.session_id, g.user_id)) === null) {
    await revokeGrant(as, g.id);
    return invalidGrant('the session behind the grant ended');
  }
  const secret = randomSecret();
  const next: McpGrant = { ...g, refresh_hash: hashSecret(secret) };
  try {
    await as.store.put([
      {
        type: 'mcp_grant',
        id: g.id,
        data: next,
        expires_at: g.expires_at,
        expected_version: stored.version,
      },
    ]);
  } catch {
    // two refreshes with one token at once: as good as a reuse
    await revokeGrant(as, g.id);
    return invalidGrant('the refresh token was used twice at once: the grant is revoked');
  }
  return issue(as, next, secret);
}

/** The token endpoint (form body already read). */
export async function exchangeToken(
  as: AuthorizationServer,
  form: URLSearchParams,
): Promise<OAuthAnswer> {
  const type = single(form, 'grant_type');
  if (type === 'authorization_code') return redeemCode(as, form);
  if (type === 'refresh_token') return refresh(as, form);
  return oauthError(
    400,
    'unsupported_grant_type',
    'grant_type must be authorization_code or refresh_token',
  );
}

/** RFC 7009: revokes the grant of a refresh or access token of this client; always 200. */
export async function revokeToken(
  as: AuthorizationServer,
  form: URLSearchParams,
): Promise<OAuthAnswer> {
  const token = single(form, 'token');
  const clientId = single(form, 'client_id');
  if (token === null || token === 'repeated') return invalidRequest('token is required');
  const access = readAccessToken(token, as.accessKey, as.now);
  const gid = access !== null ? access.gid : token.slice(0, Math.max(0, token.indexOf('.')));
  if (gid !== '' && gid.length <= 64) {
    const g = (await as.store.get('mcp_grant', gid))?.data;
    const owned =
      g != null &&
      g.client_id === clientId &&
      (access !== null || hashSecret(token.slice(gid.length + 1)) === g.refresh_hash);
    if (owned) await revokeGrant(as, gid);
  }
  return { status: 200, body: {} };
}

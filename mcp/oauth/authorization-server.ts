// The OAuth 2.1 authorization server Portcullis runs for MCP clients on every `mcp: server:`
// route host (docs/mcp.md), as Pomerium does (its internal/mcp: issuer = the route's origin,
// endpoints under /.pomerium/mcp/): RFC 8414 metadata, authorization code + PKCE S256 only,
// RFC 7591 registration behind `mcp_dynamic_client_registration`, client ID metadata documents
// limited by `mcp_allowed_client_id_domains`, RFC 8707 audience-bound access tokens backed by
// the databroker session of the sign-in and a grant record, refresh tokens rotated on every use
// (a rotated one used again revokes its whole family), RFC 7009 revocation. No token of the
// IdP ever leaves: the client gets our tokens only. HTTP-free: authn adapts these answers. The
// token endpoint and revocation are in token-endpoint.ts.
import type { McpClient, McpCode, RecordStore } from '../../databroker/index.js';
import { type ClientMetadata, ClientMetadataError, isClientIdUrl } from './client-id-metadata.js';
import { CODE_TTL_MS, hashSecret, randomSecret } from './mcp-tokens.js';
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

export const oauthError = (status: number, error: string, description: string): OAuthAnswer => ({
  status,
  body: { error, error_description: description },
});

/** A grant or code failure in the token endpoint: RFC 6749 §5.2. */
export const invalidGrant = (d: string) => oauthError(400, 'invalid_grant', d);
export const invalidRequest = (d: string) => oauthError(400, 'invalid_request', d);

/** One value of a parameter: a repeated one is refused (RFC 6749 §3.1). */
export function single(params: URLSearchParams, name: string): string | null | 'repeated' {
  const all = params.getAll(name);
  if (all.length > 1) return 'repeated';
  return all[0] ?? null;
}

/** S256 challenges are a base64url SHA-256: 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

// ---- clients ---------------------------------------------------------------------------------

/** A client by id: a registered one, or a URL client id's fetched document. */
export async function findClient(
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
